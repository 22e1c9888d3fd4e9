/**
 * The local stack: the Firebase emulators (functions, auth, hosting, tasks), the official
 * Firestore emulator, and the Realtime Database: the real emulator where firebase-tools has it
 * cached, otherwise the stand-in server that speaks its protocol. Shared by `npm start`, the
 * integration tests and the benchmark, so all three run the same thing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TwilioApiServer } from './twilio-api.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PROJECT_ID = 'demo-aurora';
export const PORTS = { hosting: 5000, functions: 5001, firestore: 8080, database: 9000, auth: 9099, tasks: 9499, hub: 4400, twilioApi: 9600 };

/** Local defaults; TWILIO_AUTH_TOKEN, TWILIO_ACCOUNT_SID and PUBLIC_BASE_URL in the environment override them. */
export const LOCAL_DEFAULTS = {
  twilioAuthToken: 'aurora-local-twilio-token',
  twilioAccountSid: `AC${'0'.repeat(31)}1`,
  publicBaseUrl: `http://127.0.0.1:${PORTS.hosting}`,
};

const FIRESTORE_JAR =
  process.env.FIRESTORE_EMULATOR_JAR ??
  '/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar';

export type StackOptions = {
  twilioAuthToken: string;
  twilioAccountSid: string;
  /** Twilio's REST API origin; omitted, the stack serves its local stand-in. */
  twilioApiBaseUrl?: string;
  publicBaseUrl: string;
  /** An OpenAI-compatible provider; without one the offline responder answers. */
  model?: { apiKey: string; baseUrl?: string; model?: string; fallbackModel?: string; budgetMs?: number };
  /** Echo the emulators' output (npm start) or keep it for failures only (tests). */
  verbose: boolean;
  /** When an unacknowledged CRITICAL call escalates, and to whom (defaults: 60 s, LOCAL_ON_CALL). */
  escalation?: { afterSeconds: number; onCallNumbers: string[] };
};

/** The on-call number and the Twilio sender the local stack's escalation SMS use. */
export const LOCAL_ON_CALL = { numbers: ['+15550190001'], smsFrom: '+15550199999' };

/** Numbers supervisors may bridge a caller to on the local stack (the on-call numbers always). */
export const LOCAL_BRIDGE_NUMBERS = ['+15557654321', '+1555010*'];

export type Stack = {
  rtdb: 'emulator' | 'stand-in';
  /** How database triggers are delivered: by the functions emulator, or by the relay beside the stand-in. */
  triggers: 'functions emulator' | 'relay';
  /** The local Twilio REST stand-in, unless a real Twilio API was configured. */
  twilioApi: TwilioApiServer | null;
  /** Calls `listener` with each chunk the emulators print from now on; returns an unsubscribe. */
  onOutput(listener: (chunk: string) => void): () => void;
  env: Record<string, string>;
  urls: Record<string, string>;
  stop(): Promise<void>;
};

/** The official RTDB emulator, if firebase-tools has downloaded it on this machine. */
export function realRtdbEmulatorAvailable(): boolean {
  if (process.env.AURORA_RTDB === 'stand-in') return false;
  const cache = join(homedir(), '.cache', 'firebase', 'emulators');
  return existsSync(cache) && readdirSync(cache).some((f) => /^firebase-database-emulator-.*\.jar$/.test(f));
}

/** The environment every local client (Admin SDK scripts, tests) uses to reach the stack. */
export function emulatorEnv(): Record<string, string> {
  return {
    GCLOUD_PROJECT: PROJECT_ID,
    FIREBASE_DATABASE_EMULATOR_HOST: `127.0.0.1:${PORTS.database}`,
    FIRESTORE_EMULATOR_HOST: `127.0.0.1:${PORTS.firestore}`,
    FIREBASE_AUTH_EMULATOR_HOST: `127.0.0.1:${PORTS.auth}`,
    CLOUD_TASKS_EMULATOR_HOST: `127.0.0.1:${PORTS.tasks}`,
    // No Google metadata server here: do not let the SDKs go looking for one.
    METADATA_SERVER_DETECTION: 'none',
  };
}

async function portInUse(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) });
    return true;
  } catch (err) {
    return !String((err as Error).cause ?? err).includes('ECONNREFUSED');
  }
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, died?: () => string | null) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const death = died?.();
    if (death) throw new Error(`${what} exited before it was ready:\n${death}`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} was not ready within ${timeoutMs / 1000} s`);
}

function track(child: ChildProcess, name: string, verbose: boolean) {
  let output = '';
  let exited: string | null = null;
  const listeners = new Set<(chunk: string) => void>();
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
    for (const listener of listeners) listener(chunk.toString());
    if (verbose) process.stdout.write(chunk.toString().replace(/^(?=.)/gm, `[${name}] `));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('exit', (code, signal) => (exited = `${name} exited (${signal ?? code})\n${output}`));
  const onOutput = (listener: (chunk: string) => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  return { died: () => exited, output: () => output, onOutput };
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
    }, graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      // firebase-tools' own children (function workers) share its process group.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
      resolve();
    });
    try {
      process.kill(-child.pid!, signal);
    } catch {
      resolve();
    }
  });
}

export type RunningFirestore = { process: ChildProcess; stop(): Promise<void> };

/** The official Firestore emulator (Debian's gcloud package), started directly: firebase-tools wants Java 21. */
export async function startFirestoreEmulator(port: number): Promise<RunningFirestore> {
  const child = spawn(
    'java',
    [
      '-cp',
      FIRESTORE_JAR,
      'com.google.cloud.datastore.emulator.firestore.CloudFirestore',
      'start',
      '--host=127.0.0.1',
      `--port=${port}`,
      `--project_id=${PROJECT_ID}`,
      '--single_project_mode=true',
      `--rules=${join(ROOT, 'firestore.rules')}`,
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stop = () => stopChild(child, 'SIGTERM', 3000);
  try {
    const watch = track(child, 'firestore', false);
    await waitFor('Firestore emulator', async () => (await fetch(`http://127.0.0.1:${port}/`)).ok, 60_000, watch.died);
  } catch (err) {
    await stop();
    throw err;
  }
  return { process: child, stop };
}

/** Writes the functions' local params and secret, which the functions emulator reads. */
function writeFunctionsConfig(options: StackOptions, twilioApiBaseUrl: string) {
  const model = options.model;
  const params = {
    PUBLIC_BASE_URL: options.publicBaseUrl,
    TWILIO_ACCOUNT_SID: options.twilioAccountSid,
    TWILIO_API_BASE_URL: twilioApiBaseUrl,
    TWILIO_SMS_FROM: LOCAL_ON_CALL.smsFrom,
    ESCALATE_AFTER_SECONDS: options.escalation?.afterSeconds,
    ON_CALL_NUMBERS: (options.escalation?.onCallNumbers ?? LOCAL_ON_CALL.numbers).join(','),
    // Who supervisors may bridge callers to locally: the demo responder line and the 555-01xx test range.
    BRIDGE_NUMBERS: LOCAL_BRIDGE_NUMBERS.join(','),
    OPENAI_BASE_URL: model?.baseUrl,
    OPENAI_MODEL: model?.model,
    OPENAI_FALLBACK_MODEL: model?.fallbackModel,
    TURN_BUDGET_MS: model?.budgetMs,
  };
  const lines = Object.entries(params).flatMap(([key, value]) => (value === undefined ? [] : [`${key}=${value}`]));
  writeFileSync(join(ROOT, 'functions', '.env.local'), `${lines.join('\n')}\n`);
  // "none" turns the model off; the emulator would otherwise go looking for the secret online.
  writeFileSync(
    join(ROOT, 'functions', '.secret.local'),
    `TWILIO_AUTH_TOKEN=${options.twilioAuthToken}\nOPENAI_API_KEY=${model?.apiKey ?? 'none'}\n`,
  );
}

/** The model settings `npm start` takes from the environment (OPENAI_API_KEY and friends). */
export function modelFromEnv(): StackOptions['model'] {
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

export async function startStack(options: StackOptions): Promise<Stack> {
  const busy = [];
  for (const [name, port] of Object.entries(PORTS)) if (await portInUse(port)) busy.push(`${name} (${port})`);
  if (busy.length > 0) {
    throw new Error(`ports already in use: ${busy.join(', ')}. Is another Aurora stack (npm start) running? Stop it first.`);
  }
  const env = emulatorEnv();
  const stoppers: Array<() => Promise<void>> = [];
  const children: ChildProcess[] = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch(() => {});
    process.off('exit', killChildren);
  };
  // If this process dies without stop(), take the emulators down with it.
  const killChildren = () => {
    for (const child of children) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
    }
  };
  process.on('exit', killChildren);
  /**
   * One of scripts/lib's servers in a process of its own, on the project's own Node 22 (it runs
   * TypeScript), whatever node started this process; stopped with the stack.
   */
  const startScript = (script: string, args: string[], name: string, verbose: boolean) => {
    const child = spawn(join(ROOT, 'node_modules', '.bin', 'node'), [join(ROOT, 'scripts', 'lib', script), ...args], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    stoppers.push(() => stopChild(child, 'SIGTERM', 2000));
    return track(child, name, verbose);
  };

  try {
    const twilioApi = options.twilioApiBaseUrl
      ? null
      : await new TwilioApiServer({ accountSid: options.twilioAccountSid, authToken: options.twilioAuthToken }).start(PORTS.twilioApi);
    if (twilioApi) stoppers.push(() => twilioApi.stop());
    writeFunctionsConfig(options, options.twilioApiBaseUrl ?? twilioApi!.baseUrl);

    const only = ['functions', 'auth', 'hosting', 'tasks'];
    const rtdb = realRtdbEmulatorAvailable() ? 'emulator' : 'stand-in';
    if (rtdb === 'emulator') only.push('database');
    else {
      const watch = startScript('rtdb-server.ts', [String(PORTS.database)], 'rtdb', false);
      await waitFor('Realtime Database stand-in', async () => (await fetch(`http://127.0.0.1:${PORTS.database}/.json`)).ok, 30_000, watch.died);
    }

    if (existsSync(FIRESTORE_JAR)) {
      const firestore = await startFirestoreEmulator(PORTS.firestore);
      children.push(firestore.process);
      stoppers.push(firestore.stop);
    } else {
      only.push('firestore');
    }

    const firebaseBin = join(ROOT, 'node_modules', '.bin', 'firebase');
    const firebase = spawn(firebaseBin, ['emulators:start', '--project', PROJECT_ID, '--only', only.join(',')], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env, FIREBASE_CLI_DISABLE_UPDATE_CHECK: 'true', CI: process.env.CI ?? '' },
    });
    children.push(firebase);
    stoppers.push(() => stopChild(firebase, 'SIGINT', 10_000));
    const watch = track(firebase, 'emulators', options.verbose);
    await waitFor('Firebase emulators', async () => watch.output().includes('All emulators ready'), 120_000, watch.died);
    // The functions are loaded once an HTTPS function answers something other than 404.
    await waitFor(
      'functions',
      async () => (await fetch(`http://127.0.0.1:${PORTS.functions}/${PROJECT_ID}/us-central1/twilioStatus`)).status !== 404,
      60_000,
      watch.died,
    );
    if (rtdb === 'stand-in') {
      // The functions emulator fires database triggers only for the real database emulator.
      const relayWatch = startScript('trigger-relay.ts', [], 'relay', options.verbose);
      await waitFor('trigger relay', async () => relayWatch.output().includes('trigger relay watching'), 30_000, relayWatch.died);
    }
    return {
      rtdb,
      triggers: rtdb === 'stand-in' ? 'relay' : 'functions emulator',
      twilioApi,
      onOutput: watch.onOutput,
      env,
      urls: {
        hosting: `http://127.0.0.1:${PORTS.hosting}`,
        voiceWebhook: `http://127.0.0.1:${PORTS.hosting}/twilio/voice`,
        statusCallback: `http://127.0.0.1:${PORTS.hosting}/twilio/status`,
        realtimeDatabase: `http://127.0.0.1:${PORTS.database}/?ns=${PROJECT_ID}-default-rtdb`,
        firestore: `http://127.0.0.1:${PORTS.firestore}`,
        auth: `http://127.0.0.1:${PORTS.auth}`,
        functions: `http://127.0.0.1:${PORTS.functions}`,
        twilioApi: options.twilioApiBaseUrl ?? twilioApi!.baseUrl,
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
