/**
 * The environment the functions emulator gives a function: the emulator hosts, the local
 * params and secrets the stack wrote (functions/.env.local, .secret.local), then every param's
 * default. Anything that runs the compiled handlers outside the emulator (the trigger relay,
 * firebase-functions-test) sets it up this way first.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PROJECT_ID, ROOT, emulatorEnv } from './stack.ts';

const require = createRequire(import.meta.url);

function readEnvFile(path: string): Record<string, string> {
  const entries: Record<string, string> = {};
  if (!existsSync(path)) return entries;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) entries[match[1]!] = match[2]!;
  }
  return entries;
}

export function useFunctionsEnvironment(): void {
  Object.assign(process.env, emulatorEnv(), {
    FUNCTIONS_EMULATOR: 'true',
    FIREBASE_CONFIG: JSON.stringify({ projectId: PROJECT_ID, databaseURL: `https://${PROJECT_ID}-default-rtdb.firebaseio.com` }),
  });
  Object.assign(process.env, readEnvFile(join(ROOT, 'functions', '.env.local')), readEnvFile(join(ROOT, 'functions', '.secret.local')));
  const config = require(join(ROOT, 'functions', 'lib', 'config.js')) as Record<string, { name?: string; options?: { default?: unknown } }>;
  for (const param of Object.values(config)) {
    if (param?.name && process.env[param.name] === undefined && param.options?.default !== undefined) process.env[param.name] = String(param.options.default);
  }
}
