/**
 * The local stack: the Firebase emulators (functions, auth, hosting, tasks), the official
 * Firestore emulator, and the Realtime Database: the real emulator where firebase-tools has it
 * cached, otherwise the stand-in server that speaks its protocol. Shared by `npm start`, the
 * integration tests and the benchmark, so all three run the same thing.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { firestoreEmulatorInstalled, startFirestoreEmulator } from './firestore-emulator.ts';
import {
  FUNCTIONS_PARAMS_FILE,
  writeFunctionsConfig,
  type FunctionsConfig,
} from './functions-env.ts';
import { Processes, portInUse, stopChild, track, waitFor } from './processes.ts';
import {
  FIREBASE_JSON,
  PORTS,
  PROJECT_ID,
  LOCAL_VOICE_SDK,
  ROOT,
  STACK_DIR,
  emulatorEnv,
  realRtdbEmulatorAvailable,
} from './project.ts';
import { TwilioApiServer } from './twilio-api.ts';

export type StackOptions = Omit<FunctionsConfig, 'twilioApiBaseUrl'> & {
  /** Twilio's REST API origin; omitted, the stack serves its local stand-in. */
  twilioApiBaseUrl?: string;
  /** Echo the emulators' output (npm start) or keep it for failures only (tests). */
  verbose: boolean;
  /** How often the local scheduler runs the sweeper (deployed: every 5 minutes); 0 only on demand (POST /sweep). */
  sweepEverySeconds: number;
};

export type Stack = {
  rtdb: 'emulator' | 'stand-in';
  /** How database triggers are delivered: by the functions emulator, or by the relay beside the stand-in. */
  triggers: 'functions emulator' | 'relay';
  /** The local Twilio REST stand-in, unless a real Twilio API was configured. */
  twilioApi: TwilioApiServer | null;
  /** Calls `listener` with each chunk the emulators print from now on; returns an unsubscribe. */
  onOutput(listener: (chunk: string) => void): () => void;
  urls: Record<string, string>;
  stop(): Promise<void>;
};

type ProjectPaths = {
  functions: Array<{ source: string }>;
  hosting: { public: string };
  database: { rules: string };
  firestore: { rules: string; indexes: string };
};

/**
 * The firebase.json the emulators run with, written to STACK_DIR: the project's own, with the
 * functions' `configDir` (where their local params are) pointing there. firebase-tools takes a
 * config's folder for the project's, so its paths are re-rooted (functions' source and hosting's
 * public are joined onto that folder; rules files outside it must be absolute), and what the
 * emulators write into the project folder (firebase-debug.log, database-debug.log) lands there.
 */
function writeEmulatorsConfig(): string {
  const { functions, hosting, database, firestore } = FIREBASE_JSON as unknown as ProjectPaths;
  const fromStack = (path: string) => relative(STACK_DIR, join(ROOT, path));
  const config = {
    ...FIREBASE_JSON,
    functions: functions.map((codebase) => ({
      ...codebase,
      source: fromStack(codebase.source),
      configDir: relative(STACK_DIR, dirname(FUNCTIONS_PARAMS_FILE)) || '.',
    })),
    hosting: { ...hosting, public: fromStack(hosting.public) },
    database: { ...database, rules: join(ROOT, database.rules) },
    firestore: {
      ...firestore,
      rules: join(ROOT, firestore.rules),
      indexes: join(ROOT, firestore.indexes),
    },
  };
  mkdirSync(STACK_DIR, { recursive: true });
  const path = join(STACK_DIR, 'firebase.json');
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
  return path;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const busy = [];
  for (const [name, port] of Object.entries(PORTS))
    if (await portInUse(port)) busy.push(`${name} (${port})`);
  if (busy.length > 0) {
    throw new Error(
      `ports already in use: ${busy.join(', ')}. Is another Aurora stack (npm start) running? Stop it first.`,
    );
  }
  const processes = new Processes();
  const stop = () => processes.stopAll();

  try {
    const twilioApi = options.twilioApiBaseUrl
      ? null
      : await new TwilioApiServer({
          accountSid: options.twilioAccountSid,
          authToken: options.twilioAuthToken,
        }).start(PORTS.twilioApi);
    if (twilioApi) {
      processes.onStop(() => twilioApi.stop());
      // The dashboard's voice, as an operator sets it up at Twilio: the key that signs the
      // voiceToken callable's tokens, and the TwiML App that sends browser calls to the functions.
      const voiceSdk = options.voiceSdk ?? LOCAL_VOICE_SDK;
      twilioApi.voiceSdk.addKey({
        sid: voiceSdk.apiKeySid || undefined,
        secret: voiceSdk.apiKeySecret || undefined,
      });
      twilioApi.voiceSdk.addApplication({
        ...(voiceSdk.twimlAppSid ? { sid: voiceSdk.twimlAppSid } : {}),
        voice_url: `${options.publicBaseUrl}/twilio/browser`,
        voice_method: 'POST',
      });
    }
    writeFunctionsConfig({
      ...options,
      twilioApiBaseUrl: options.twilioApiBaseUrl ?? twilioApi!.baseUrl,
    });

    const only = ['functions', 'auth', 'hosting', 'tasks'];
    const rtdb = realRtdbEmulatorAvailable() ? 'emulator' : 'stand-in';
    if (rtdb === 'emulator') only.push('database');
    else {
      const watch = processes.startScript(
        'rtdb-server.ts',
        [String(PORTS.database)],
        'rtdb',
        false,
      );
      await waitFor(
        'Realtime Database stand-in',
        async () => (await fetch(`http://127.0.0.1:${PORTS.database}/.json`)).ok,
        30_000,
        watch.died,
      );
    }

    if (firestoreEmulatorInstalled()) {
      const firestore = await startFirestoreEmulator(PORTS.firestore);
      processes.adopt(firestore.process, firestore.stop);
    } else {
      only.push('firestore');
    }

    const firebaseBin = join(ROOT, 'node_modules', '.bin', 'firebase');
    const firebaseArgs = [
      'emulators:start',
      '--config',
      writeEmulatorsConfig(),
      '--project',
      PROJECT_ID,
      '--only',
      only.join(','),
    ];
    const firebase = spawn(firebaseBin, firebaseArgs, {
      cwd: STACK_DIR,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...emulatorEnv(),
        FIREBASE_CLI_DISABLE_UPDATE_CHECK: 'true',
        CI: process.env.CI ?? '',
      },
    });
    processes.adopt(firebase, () => stopChild(firebase, 'SIGINT', 10_000));
    const watch = track(firebase, 'emulators', options.verbose);
    await waitFor(
      'Firebase emulators',
      async () => watch.output().includes('All emulators ready'),
      120_000,
      watch.died,
    );
    // The functions are loaded once an HTTPS function answers something other than 404.
    await waitFor(
      'functions',
      async () =>
        (await fetch(`http://127.0.0.1:${PORTS.functions}/${PROJECT_ID}/us-central1/twilioStatus`))
          .status !== 404,
      60_000,
      watch.died,
    );
    if (rtdb === 'stand-in') {
      // The functions emulator fires database triggers only for the real database emulator.
      const relayWatch = processes.startScript('trigger-relay.ts', [], 'relay', options.verbose);
      await waitFor(
        'trigger relay',
        async () => relayWatch.output().includes('trigger relay watching'),
        30_000,
        relayWatch.died,
      );
    }
    // The emulators never fire a schedule (scripts/lib/scheduler.ts says why): this is the clock.
    const schedulerWatch = processes.startScript(
      'scheduler.ts',
      [String(options.sweepEverySeconds), String(PORTS.scheduler)],
      'scheduler',
      options.verbose,
    );
    await waitFor(
      'scheduler',
      async () => schedulerWatch.output().includes('scheduler sweeping'),
      30_000,
      schedulerWatch.died,
    );
    return {
      rtdb,
      triggers: rtdb === 'stand-in' ? 'relay' : 'functions emulator',
      twilioApi,
      onOutput: watch.onOutput,
      urls: {
        hosting: `http://127.0.0.1:${PORTS.hosting}`,
        voiceWebhook: `http://127.0.0.1:${PORTS.hosting}/twilio/voice`,
        statusCallback: `http://127.0.0.1:${PORTS.hosting}/twilio/status`,
        realtimeDatabase: `http://127.0.0.1:${PORTS.database}/?ns=${PROJECT_ID}-default-rtdb`,
        firestore: `http://127.0.0.1:${PORTS.firestore}`,
        auth: `http://127.0.0.1:${PORTS.auth}`,
        functions: `http://127.0.0.1:${PORTS.functions}`,
        twilioApi: options.twilioApiBaseUrl ?? twilioApi!.baseUrl,
        sweep: `http://127.0.0.1:${PORTS.scheduler}/sweep`,
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
