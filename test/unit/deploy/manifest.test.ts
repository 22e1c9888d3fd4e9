/**
 * What `firebase deploy` would create, checked offline: the built bundle (functions/dist) is
 * loaded the way firebase-tools discovers it (firebase-functions' control server and its
 * /__/functions.yaml, scripts/lib/functions-manifest.ts), then resolved for a European site with
 * firebase-tools' own build code, and put through the gates a non-interactive deploy stops at.
 * `npm test` builds first; run `npm run build:functions` before running this file alone.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ESCALATION_MAX_ATTEMPTS } from '../../../functions/src/calls/escalateCall';
import { RECORD_WORDS_MAX_ATTEMPTS } from '../../../functions/src/calls/recordWords';
import * as config from '../../../functions/src/config';
import { parseEnv } from '../../../scripts/lib/deploy-env.ts';
import { localFunctionsParams } from '../../../scripts/lib/functions-env.ts';
import {
  discoverFunctions,
  type Manifest,
  type ManifestEndpoint,
} from '../../../scripts/lib/functions-manifest.ts';
import { LOCAL_DEFAULTS, ROOT } from '../../../scripts/lib/project.ts';

const require = createRequire(import.meta.url);
const BUNDLE = join(ROOT, 'functions', 'dist', 'index.js');

/** The bundle, or a failure that says how to get one: a missing or stale bundle would test old code. */
function assertFreshBundle() {
  if (!existsSync(BUNDLE))
    throw new Error(`${BUNDLE} is missing: run npm run build:functions (npm test builds it first)`);
  for (const source of ['index.ts', 'config.ts']) {
    const path = join(ROOT, 'functions', 'src', source);
    if (statSync(path).mtimeMs > statSync(BUNDLE).mtimeMs)
      throw new Error(
        `${BUNDLE} is older than functions/src/${source}: run npm run build:functions`,
      );
  }
}

let manifest: Manifest;
beforeAll(async () => {
  assertFreshBundle();
  manifest = await discoverFunctions({ projectId: 'my-plant' });
}, 15_000);

const endpoint = (name: string): ManifestEndpoint => {
  const found = manifest.endpoints[name];
  if (!found) throw new Error(`the manifest has no function ${name}`);
  return found;
};
const kindOf = (e: ManifestEndpoint) =>
  e.httpsTrigger
    ? 'https'
    : e.callableTrigger
      ? 'callable'
      : e.taskQueueTrigger
        ? 'task queue'
        : e.scheduleTrigger
          ? 'schedule'
          : e.eventTrigger?.eventType;
const secretsOf = (e: ManifestEndpoint) => (e.secretEnvironmentVariables ?? []).map((s) => s.key);

const WEBHOOKS = [
  'twilioVoice',
  'twilioTurn',
  'twilioPartial',
  'twilioStatus',
  'twilioScreen',
  'twilioDial',
  'twilioMessageStatus',
  'twilioTranscription',
  'twilioBrowser',
  'twilioLeg',
  'twilioLegStatus',
  'twilioConference',
  'twilioRejoin',
  'twilioAnnounce',
];
const TASK_QUEUES = ['archiveCall', 'purgeCall', 'escalateCall', 'recordWords'];
const TASK_INVOKER = ['{{ params.TASK_QUEUE_INVOKER }}'];

describe('the deploy manifest (firebase-functions’ /__/functions.yaml of the built bundle)', () => {
  it('declares exactly these functions, each of its kind', () => {
    expect(manifest.specVersion).toBe('v1alpha1');
    expect(
      Object.fromEntries(Object.entries(manifest.endpoints).map(([name, e]) => [name, kindOf(e)])),
    ).toEqual({
      ...Object.fromEntries(WEBHOOKS.map((name) => [name, 'https'])),
      callControl: 'callable',
      siteSettings: 'callable',
      voiceToken: 'callable',
      ...Object.fromEntries(TASK_QUEUES.map((name) => [name, 'task queue'])),
      callFanOut: 'google.firebase.database.ref.v1.written',
      sweepCalls: 'schedule',
    });
  });

  it('puts every function in the FUNCTIONS_REGION param, 2nd gen, at most 20 instances, 512 MiB (a peak of 245 MB measured by scripts/lib/memory.ts)', () => {
    for (const [name, e] of Object.entries(manifest.endpoints)) {
      expect({
        name,
        platform: e.platform,
        region: e.region,
        maxInstances: e.maxInstances,
        memory: e.availableMemoryMb,
      }).toEqual({
        name,
        platform: 'gcfv2',
        region: '{{ params.FUNCTIONS_REGION }}',
        maxInstances: 20,
        memory: 512,
      });
    }
  });

  it('opens the Twilio webhooks to the public (the signature is their authentication), 15 s, warm instances from a param', () => {
    for (const name of WEBHOOKS) {
      const e = endpoint(name);
      expect({
        name,
        invoker: e.httpsTrigger?.invoker,
        timeout: e.timeoutSeconds,
        min: e.minInstances,
        secrets: secretsOf(e),
      }).toEqual({
        name,
        invoker: ['public'],
        timeout: 15,
        min: '{{ params.WEBHOOK_MIN_INSTANCES }}',
        secrets: ['TWILIO_AUTH_TOKEN', 'OPENAI_API_KEY'],
      });
    }
  });

  it('lets only TASK_QUEUE_INVOKER invoke the task queue functions, with their retries and rates', () => {
    for (const name of TASK_QUEUES)
      expect(endpoint(name).taskQueueTrigger?.invoker, name).toEqual(TASK_INVOKER);
    const retry = (
      maxAttempts: number,
      minBackoffSeconds: number,
      maxBackoffSeconds: number,
      maxDoublings: number,
    ) => ({
      maxAttempts,
      minBackoffSeconds,
      maxBackoffSeconds,
      maxDoublings,
      maxRetrySeconds: null,
    });
    expect(endpoint('archiveCall').taskQueueTrigger).toMatchObject({
      retryConfig: retry(10, 1, 60, 4),
      rateLimits: { maxConcurrentDispatches: 20, maxDispatchesPerSecond: 50 },
    });
    // The purge's backoff outlasts a turn in flight (up to 20 s).
    expect(endpoint('purgeCall').taskQueueTrigger).toMatchObject({
      retryConfig: retry(10, 2, 60, 4),
      rateLimits: { maxConcurrentDispatches: 20, maxDispatchesPerSecond: 50 },
    });
    expect(endpoint('escalateCall').taskQueueTrigger).toMatchObject({
      retryConfig: retry(ESCALATION_MAX_ATTEMPTS, 1, 10, 2),
      rateLimits: { maxConcurrentDispatches: 20, maxDispatchesPerSecond: null },
    });
    // A turn's words the database refused are retried for hours (calls/recordWords.ts).
    expect(endpoint('recordWords').taskQueueTrigger).toMatchObject({
      retryConfig: retry(RECORD_WORDS_MAX_ATTEMPTS, 1, 300, 8),
      rateLimits: { maxConcurrentDispatches: 20, maxDispatchesPerSecond: 50 },
    });
    expect(secretsOf(endpoint('escalateCall'))).toEqual(['TWILIO_AUTH_TOKEN']);
    expect([
      secretsOf(endpoint('archiveCall')),
      secretsOf(endpoint('purgeCall')),
      secretsOf(endpoint('recordWords')),
    ]).toEqual([[], [], []]);
  });

  it('retries the call fan-out (the failure policy that needs --force) on every live call of any database instance', () => {
    expect(endpoint('callFanOut').eventTrigger).toEqual({
      eventType: 'google.firebase.database.ref.v1.written',
      eventFilters: {},
      eventFilterPathPatterns: { ref: 'active_calls/{callId}', instance: '*' },
      retry: true,
    });
    expect(secretsOf(endpoint('callFanOut'))).toEqual([]);
  });

  it('sweeps every 5 minutes, retried once; the callables have their own timeouts', () => {
    expect(endpoint('sweepCalls').scheduleTrigger).toEqual({
      schedule: 'every 5 minutes',
      retryConfig: { retryCount: 1 },
    });
    expect([endpoint('callControl').timeoutSeconds, secretsOf(endpoint('callControl'))]).toEqual([
      20,
      ['TWILIO_AUTH_TOKEN'],
    ]);
    expect([endpoint('siteSettings').timeoutSeconds, secretsOf(endpoint('siteSettings'))]).toEqual([
      10,
      [],
    ]);
    // The Voice SDK's token is signed with the API key's secret, and only this function holds it.
    expect([endpoint('voiceToken').timeoutSeconds, secretsOf(endpoint('voiceToken'))]).toEqual([
      10,
      ['TWILIO_API_KEY_SECRET'],
    ]);
    for (const name of ['callFanOut', 'sweepCalls', ...TASK_QUEUES])
      expect([name, endpoint(name).timeoutSeconds, endpoint(name).minInstances]).toEqual([
        name,
        null,
        null,
      ]);
  });

  it('declares the params config.ts defines, the three secrets, and the APIs a deploy enables', () => {
    type Param = { name?: string; constructor: { name: string } };
    const defined = Object.values(config as Record<string, unknown>).filter(
      (v): v is Param => typeof v === 'object' && typeof (v as Param | null)?.name === 'string',
    );
    expect((manifest.params ?? []).map((p) => p.name).sort()).toEqual(
      defined.map((p) => p.name!).sort(),
    );
    expect(
      (manifest.params ?? [])
        .filter((p) => p.type === 'secret')
        .map((p) => p.name)
        .sort(),
    ).toEqual(['OPENAI_API_KEY', 'TWILIO_API_KEY_SECRET', 'TWILIO_AUTH_TOKEN']);
    // No default: a deploy without it stops before anything is created (below).
    expect(manifest.params?.find((p) => p.name === 'TASK_QUEUE_INVOKER')).not.toHaveProperty(
      'default',
    );
    expect(manifest.params?.find((p) => p.name === 'FUNCTIONS_REGION')).toMatchObject({
      type: 'string',
      default: 'us-central1',
    });
    expect((manifest.requiredAPIs ?? []).map((a) => a.api).sort()).toEqual([
      'cloudscheduler.googleapis.com',
      'cloudtasks.googleapis.com',
    ]);
  });
});

/** firebase-tools' own build and prompt code (internal modules of firebase-tools 15; deploy-env.ts reads its env parser the same way). */
type Endpoint = ManifestEndpoint & {
  id: string;
  region: string;
  minInstances?: number | null;
  cpu?: number;
  concurrency?: number;
  taskQueueTrigger?: { invoker?: string[] | null };
};
type Backend = { endpoints: Record<string, Record<string, Endpoint>> };
type Options = { nonInteractive: boolean; force: boolean };
const discovery = require('firebase-tools/lib/deploy/functions/runtimes/discovery/index.js') as {
  yamlToBuild(
    this: void,
    yaml: unknown,
    project: string,
    region: string,
    runtime: string,
  ): { params: unknown[] };
};
const build = require('firebase-tools/lib/deploy/functions/build.js') as {
  resolveBackend(this: void, opts: object): Promise<{ backend: Backend }>;
};
const backends = require('firebase-tools/lib/deploy/functions/backend.js') as {
  empty(this: void): Backend;
  allEndpoints(this: void, b: Backend): Endpoint[];
};
const prompt = require('firebase-tools/lib/prompt.js') as {
  setNonInteractive(this: void, value: boolean): void;
};
const prepare = require('firebase-tools/lib/deploy/functions/prepare.js') as {
  resolveCpuAndConcurrency(this: void, want: Backend): void;
};
const prompts = require('firebase-tools/lib/deploy/functions/prompts.js') as {
  promptForFailurePolicies(
    this: void,
    options: Options,
    want: Backend,
    have: Backend,
  ): Promise<void>;
  promptForMinInstances(this: void, options: Options, want: Backend, have: Backend): Promise<void>;
  promptForCleanupPolicyDays(this: void, options: Options, locations: string[]): Promise<number>;
};

const exampleParams = () => parseEnv(readFileSync(join(ROOT, 'functions', '.env.example'), 'utf8'));
const EUROPE = {
  ...exampleParams(),
  FUNCTIONS_REGION: 'europe-west1',
  TASK_QUEUE_INVOKER: '123456789012-compute@developer.gserviceaccount.com',
};

/** The backend firebase deploy would create from `params` (functions/.env.<project-id>), non-interactively. */
async function resolve(params: Record<string, string>): Promise<Backend> {
  const wanted = discovery.yamlToBuild(manifest, 'my-plant', 'us-central1', 'nodejs22');
  const firebaseConfig = {
    projectId: 'my-plant',
    databaseURL: 'https://my-plant-default-rtdb.europe-west1.firebasedatabase.app',
    storageBucket: 'my-plant.appspot.com',
  };
  // isEmulator only keeps the secrets from being looked up in Secret Manager (online).
  const { backend } = await build.resolveBackend({
    build: wanted,
    firebaseConfig,
    userEnvs: params,
    nonInteractive: true,
    isEmulator: true,
  });
  // As prepare.js does before its prompts: the CPU and concurrency the memory implies.
  prepare.resolveCpuAndConcurrency(backend);
  return backend;
}

/**
 * The params as the functions emulator resolves them (lib/emulator/functionsEmulator.js): not
 * "non-interactive", but started without a terminal, so firebase-tools' prompts answer with
 * each param's default and fail on a param that has none (lib/command.js, lib/prompt.js).
 */
async function resolveInEmulator(params: Record<string, string>): Promise<Backend> {
  const wanted = discovery.yamlToBuild(manifest, 'demo-aurora', 'us-central1', 'nodejs22');
  prompt.setNonInteractive(true);
  try {
    const firebaseConfig = {
      projectId: 'demo-aurora',
      databaseURL: 'https://demo-aurora-default-rtdb.firebaseio.com',
    };
    const { backend } = await build.resolveBackend({
      build: wanted,
      firebaseConfig,
      userEnvs: params,
      nonInteractive: false,
      isEmulator: true,
    });
    return backend;
  } finally {
    prompt.setNonInteractive(false);
  }
}

describe('the manifest as firebase deploy resolves it for a European site', () => {
  it('puts every function in europe-west1 and binds the task queue functions to the functions’ own account', async () => {
    const backend = await resolve(EUROPE);
    expect(Object.keys(backend.endpoints)).toEqual(['europe-west1']);
    const all = backends.allEndpoints(backend);
    expect(all.length).toBe(Object.keys(manifest.endpoints).length);
    for (const e of all.filter((x) => x.taskQueueTrigger))
      expect(e.taskQueueTrigger?.invoker, e.id).toEqual([
        '123456789012-compute@developer.gserviceaccount.com',
      ]);
    // 512 MiB gets a whole CPU on 2nd gen, so each instance serves up to 80 requests at once.
    for (const e of all.filter((x) => x.httpsTrigger))
      expect([e.id, e.minInstances, e.cpu, e.concurrency]).toEqual([e.id, 0, 1, 80]);
  });

  it('needs no prompt with functions/.env.example filled in, and stops before creating anything without TASK_QUEUE_INVOKER', async () => {
    await expect(resolve(exampleParams())).resolves.toBeDefined();
    const withoutInvoker: Record<string, string> = { ...EUROPE };
    delete withoutInvoker.TASK_QUEUE_INVOKER;
    await expect(resolve(withoutInvoker)).rejects.toThrow(
      /no value for the following environment variables: TASK_QUEUE_INVOKER/,
    );
  });

  it('resolves on the local stack too, whose emulator (no terminal) takes defaults but cannot ask for TASK_QUEUE_INVOKER', async () => {
    const local = localFunctionsParams({
      ...LOCAL_DEFAULTS,
      twilioApiBaseUrl: 'http://127.0.0.1:9600',
    });
    expect(local.TASK_QUEUE_INVOKER).toMatch(/@/);
    await expect(resolveInEmulator(local)).resolves.toBeDefined();
    const withoutInvoker: Record<string, string> = { ...local };
    delete withoutInvoker.TASK_QUEUE_INVOKER;
    await expect(resolveInEmulator(withoutInvoker)).rejects.toThrow(
      /TASK_QUEUE_INVOKER[\s\S]*does not have a default/,
    );
  });

  it('passes firebase deploy’s non-interactive gates on a fresh project only with --force (docs/going-live.md step 5)', async () => {
    const fresh = backends.empty();
    const want = await resolve(EUROPE);
    const warm = await resolve({ ...EUROPE, WEBHOOK_MIN_INSTANCES: '1' });
    const plain = { nonInteractive: true, force: false };
    const forced = { nonInteractive: true, force: true };
    // callFanOut's retry is a failure policy: without --force the deploy stops before deploying anything.
    await expect(prompts.promptForFailurePolicies(plain, want, fresh)).rejects.toThrow(
      /Pass the --force option to deploy functions with a failure policy/,
    );
    await expect(prompts.promptForFailurePolicies(forced, want, fresh)).resolves.toBeUndefined();
    // Warm webhooks raise the minimum bill: the same gate.
    await expect(prompts.promptForMinInstances(plain, want, fresh)).resolves.toBeUndefined();
    await expect(prompts.promptForMinInstances(plain, warm, fresh)).rejects.toThrow(
      /Pass the --force option to deploy functions that increase the minimum bill/,
    );
    await expect(prompts.promptForMinInstances(forced, warm, fresh)).resolves.toBeUndefined();
    // After the functions deploy, a region without an Artifact Registry cleanup policy fails the
    // command (and Hosting, released after the functions, never is) unless --force sets one.
    await expect(prompts.promptForCleanupPolicyDays(plain, ['europe-west1'])).rejects.toThrow(
      /Pass the --force option to automatically set up a cleanup policy/,
    );
    await expect(prompts.promptForCleanupPolicyDays(forced, ['europe-west1'])).resolves.toBe(1);
  });
});

describe('discovery', () => {
  it('fails with the functions’ own error when the bundle throws as it loads, as firebase deploy would', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aurora-manifest-'));
    try {
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ main: 'index.js' }));
      writeFileSync(join(dir, 'index.js'), "throw new Error('FUNCTIONS_REGION went missing');\n");
      await expect(discoverFunctions({ functionsDir: dir, projectId: 'my-plant' })).rejects.toThrow(
        /did not load \(HTTP 400\)[\s\S]*FUNCTIONS_REGION went missing/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
