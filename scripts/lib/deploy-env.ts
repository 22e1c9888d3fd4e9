/**
 * A deployment's settings as `firebase deploy` sees them: the functions' params from
 * functions/.env then functions/.env.<project-id> (the later file wins), parsed with
 * firebase-tools' own parser (lib/functions/env.js parseStrict), so what the hosting build,
 * preflight and the deploy read can never differ. The local stack is the exception: its
 * project is the demo one and its settings are the local defaults.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

/** The region the functions deploy to when FUNCTIONS_REGION is not set (config.ts's default). */
export const DEFAULT_REGION = 'us-central1';

/** The region the functions and their queues run in (FUNCTIONS_REGION), else the default. */
export const functionsRegion = (params: Record<string, string | undefined>) =>
  params.FUNCTIONS_REGION || DEFAULT_REGION;

/** Projects whose id starts with `demo-` are the emulators' demo projects: never deployed. */
export const isDemoProject = (projectId: string) => projectId.startsWith('demo-');

/**
 * The URL of a project's default Realtime Database instance (<project>-default-rtdb) in
 * `region`: firebaseio.com in us-central1, <region>.firebasedatabase.app anywhere else
 * (https://firebase.google.com/docs/database/locations, "Database URL format").
 */
export function defaultDatabaseUrl(projectId: string, region: string): string {
  const instance = `${projectId}-default-rtdb`;
  return region === DEFAULT_REGION
    ? `https://${instance}.firebaseio.com`
    : `https://${instance}.${region}.firebasedatabase.app`;
}

/** The files firebase-tools reads a project's params from, in the order it merges them. */
export const envFiles = (functionsDir: string, projectId: string) =>
  ['.env', `.env.${projectId}`].map((f) => join(functionsDir, f));

/** Parses one dotenv file exactly as firebase deploy does; throws on a malformed line or a reserved key. */
export function parseEnv(text: string): Record<string, string> {
  const env = require('firebase-tools/lib/functions/env.js') as {
    parseStrict(this: void, data: string): Record<string, string>;
  };
  return env.parseStrict(text);
}

/** The params `firebase deploy --project <projectId>` will give the functions. */
export function deployParams(functionsDir: string, projectId: string): Record<string, string> {
  let params: Record<string, string> = {};
  for (const file of envFiles(functionsDir, projectId)) {
    if (existsSync(file)) params = { ...params, ...parseEnv(readFileSync(file, 'utf8')) };
  }
  return params;
}

/** The default database of a project as deployed: in the functions' region (FUNCTIONS_REGION is the database's region). */
export const projectDatabaseUrl = (functionsDir: string, projectId: string) =>
  defaultDatabaseUrl(projectId, functionsRegion(deployParams(functionsDir, projectId)));

/** Comma-separated numbers, as the functions read ON_CALL_NUMBERS (config.ts). */
/** A phone number as Twilio takes it: E.164, + and the country code, at most 15 digits. */
export const E164 = /^\+[1-9]\d{6,14}$/;

export const numberList = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
