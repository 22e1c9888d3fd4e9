/**
 * The functions' local configuration. The stack writes their params and secrets; the functions
 * emulator reads them; anything that runs the compiled handlers outside the emulator (the
 * trigger relay, firebase-functions-test) reads them back with useFunctionsEnvironment(), which
 * sets a function's environment up as the emulator would: the emulator hosts, those params and
 * secrets, then every param's default.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  LOCAL_BRIDGE_NUMBERS,
  LOCAL_FIREBASE_CONFIG,
  LOCAL_ON_CALL,
  LOCAL_VOICE_SDK,
  ROOT,
  STACK_DIR,
  emulatorEnv,
} from './project.ts';

const require = createRequire(import.meta.url);

/**
 * The params, in STACK_DIR: the stack runs the emulators with a firebase.json whose functions
 * `configDir` is that folder, and firebase-tools' loadUserEnvs (lib/functions/env.js) reads
 * `.env.local` from a codebase's configDir when it has one.
 */
export const FUNCTIONS_PARAMS_FILE = join(STACK_DIR, '.env.local');
/**
 * The secrets, in the functions' source folder, because only there does the emulator look:
 * firebase-tools' getSecretLocalPath (lib/emulator/functionsEmulatorShared.js) takes
 * `.secret.local` from the codebase's source directory and ignores configDir, and a secret it
 * does not find there it fetches from Secret Manager, which fails offline. Git-ignored.
 */
export const FUNCTIONS_SECRETS_FILE = join(ROOT, 'functions', '.secret.local');

/** The task queue functions' invoker on the local stack: the account the Admin SDK enqueues as against the emulator (firebase-admin's EMULATED_SERVICE_ACCOUNT_DEFAULT). */
export const LOCAL_TASK_QUEUE_INVOKER = 'emulated-service-acct@email.com';

/** An OpenAI-compatible provider; without one the offline responder answers. */
export type ModelOptions = {
  apiKey: string;
  baseUrl?: string;
  model?: string;
  fallbackModel?: string;
  budgetMs?: number;
};

/** The dashboard's voice: the API key that signs the Voice SDK's tokens, its secret, and the TwiML App. */
export type VoiceSdkOptions = { apiKeySid: string; apiKeySecret: string; twimlAppSid: string };

/** What the local stack configures the functions with. */
export type FunctionsConfig = {
  twilioAuthToken: string;
  twilioAccountSid: string;
  /** Twilio's REST API origin, real or the local stand-in. */
  twilioApiBaseUrl: string;
  publicBaseUrl: string;
  model?: ModelOptions;
  /** When an unacknowledged CRITICAL call escalates, and to whom (defaults: 60 s, LOCAL_ON_CALL). */
  escalation?: { afterSeconds: number; onCallNumbers: string[] };
  /** The dashboard's voice (default: LOCAL_VOICE_SDK, which the stack creates in its stand-in). */
  voiceSdk?: VoiceSdkOptions;
};

/** The params the local stack gives the functions (those it leaves out take their defaults). */
export function localFunctionsParams(config: FunctionsConfig): Record<string, string> {
  const model = config.model;
  const params = {
    // A param with no default, which the emulator would otherwise prompt for (or, with no
    // terminal, refuse to load the functions). It ignores invokers.
    TASK_QUEUE_INVOKER: LOCAL_TASK_QUEUE_INVOKER,
    PUBLIC_BASE_URL: config.publicBaseUrl,
    TWILIO_ACCOUNT_SID: config.twilioAccountSid,
    TWILIO_API_BASE_URL: config.twilioApiBaseUrl,
    TWILIO_SMS_FROM: LOCAL_ON_CALL.smsFrom,
    ESCALATE_AFTER_SECONDS: config.escalation?.afterSeconds,
    ON_CALL_NUMBERS: (config.escalation?.onCallNumbers ?? LOCAL_ON_CALL.numbers).join(','),
    // Who supervisors may bridge callers to locally: the demo responder line and the 555-01xx test range.
    BRIDGE_NUMBERS: LOCAL_BRIDGE_NUMBERS.join(','),
    TWILIO_API_KEY_SID: (config.voiceSdk ?? LOCAL_VOICE_SDK).apiKeySid,
    TWILIO_TWIML_APP_SID: (config.voiceSdk ?? LOCAL_VOICE_SDK).twimlAppSid,
    OPENAI_BASE_URL: model?.baseUrl,
    OPENAI_MODEL: model?.model,
    OPENAI_FALLBACK_MODEL: model?.fallbackModel,
    TURN_BUDGET_MS: model?.budgetMs,
  };
  return Object.fromEntries(
    Object.entries(params).flatMap(([key, value]) =>
      value === undefined ? [] : [[key, String(value)]],
    ),
  );
}

/** Writes the functions' local params and secrets, which the functions emulator reads. */
export function writeFunctionsConfig(config: FunctionsConfig): void {
  const model = config.model;
  const lines = Object.entries(localFunctionsParams(config)).map(
    ([key, value]) => `${key}=${value}`,
  );
  mkdirSync(STACK_DIR, { recursive: true });
  writeFileSync(FUNCTIONS_PARAMS_FILE, `${lines.join('\n')}\n`);
  // Every secret a function declares must be here: the emulator would otherwise go looking for
  // it online. "none" turns the model off; an empty API key secret turns the voice off.
  const voiceSecret = (config.voiceSdk ?? LOCAL_VOICE_SDK).apiKeySecret || 'none';
  writeFileSync(
    FUNCTIONS_SECRETS_FILE,
    `TWILIO_AUTH_TOKEN=${config.twilioAuthToken}\nOPENAI_API_KEY=${model?.apiKey ?? 'none'}\nTWILIO_API_KEY_SECRET=${voiceSecret}\n`,
  );
}

/** The model settings `npm start` takes from the environment (OPENAI_API_KEY and friends). */
export function modelFromEnv(): ModelOptions | undefined {
  const env = process.env;
  if (!env.OPENAI_API_KEY) return undefined;
  return {
    apiKey: env.OPENAI_API_KEY,
    baseUrl: env.OPENAI_BASE_URL,
    model: env.OPENAI_MODEL,
    fallbackModel: env.OPENAI_FALLBACK_MODEL,
    budgetMs: env.TURN_BUDGET_MS ? Number(env.TURN_BUDGET_MS) : undefined,
  };
}

/**
 * The dashboard's voice `npm start` uses with a real Twilio account (TWILIO_ACCOUNT_SID set):
 * TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET and TWILIO_TWIML_APP_SID from the environment, each
 * empty when unset, so the voiceToken callable says what is missing rather than sign with the
 * stand-in's key, which that account would refuse.
 */
export function voiceSdkFromEnv(): VoiceSdkOptions {
  const env = process.env;
  return {
    apiKeySid: env.TWILIO_API_KEY_SID ?? '',
    apiKeySecret: env.TWILIO_API_KEY_SECRET ?? '',
    twimlAppSid: env.TWILIO_TWIML_APP_SID ?? '',
  };
}

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
    FIREBASE_CONFIG: JSON.stringify(LOCAL_FIREBASE_CONFIG),
  });
  Object.assign(
    process.env,
    readEnvFile(FUNCTIONS_PARAMS_FILE),
    readEnvFile(FUNCTIONS_SECRETS_FILE),
  );
  const config = require('aurora-functions/lib/config.js') as Record<
    string,
    { name?: string; options?: { default?: unknown } }
  >;
  for (const param of Object.values(config)) {
    if (
      param?.name &&
      process.env[param.name] === undefined &&
      param.options?.default !== undefined
    )
      process.env[param.name] =
        typeof param.options.default === 'object'
          ? JSON.stringify(param.options.default)
          : String(param.options.default as string | number | boolean);
  }
}
