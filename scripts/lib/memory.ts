/**
 * How much memory a warm instance of each function group needs, measured without the stack
 * (issue 22, point 5). For each group a fresh Node (this same binary: run it with the project's
 * Node 22, `npx node scripts/lib/memory.ts`, after `npm run build:functions`) loads the built
 * bundle as the runtime does, requires the SDKs that group's use cases reach for (wiring.ts
 * requires them lazily), and then does a warm instance's work in-process: the offline triage
 * and language detection over the eval corpus many times, TwiML answers, and, for the webhooks,
 * 80 concurrent calls' worth of transcripts and prompts held at once (concurrency 80 shares one
 * instance's memory). It prints RSS and heap at idle, after load, and the peak.
 *
 * Aurora's own modules are loaded twice (the bundle, then functions/lib for the pure helpers the
 * bundle does not export); they are a few hundred kB, so the figures err high, the safe side.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './project.ts';
import { loadCorpus } from './evaluation.ts';

const require = createRequire(import.meta.url);
const BUNDLE = join(ROOT, 'functions', 'dist', 'index.js');
const LIB = join(ROOT, 'functions', 'lib');
/** Each round re-runs every held call's 40 turns (the offline triage takes a few ms a turn on 2 cores). */
const ROUNDS = Number(process.env.MEMORY_ROUNDS ?? 2);

type Sdk = 'database' | 'firestore' | 'functions' | 'messaging' | 'auth' | 'twilio' | 'openai';

/** Which SDKs each group's use cases build (functions/src/calls/*: which deps each one reads). */
export const GROUPS: Record<string, { functions: string[]; sdks: Sdk[]; conversations: number }> = {
  webhooks: {
    functions: ['twilioVoice', 'twilioTurn', 'twilioPartial', 'twilioStatus', 'twilioScreen'],
    // takeTurn: live, archive (Firestore), push (FCM); messageStatus: voice (Twilio); the model (OpenAI).
    sdks: ['database', 'firestore', 'functions', 'messaging', 'auth', 'twilio', 'openai'],
    // Concurrency 80 (gen2's default with 1 CPU): 80 calls' turns in one instance at once.
    conversations: 80,
  },
  'task queues': {
    functions: ['archiveCall', 'purgeCall', 'escalateCall', 'recordWords'],
    sdks: ['database', 'firestore', 'functions', 'messaging', 'twilio'],
    conversations: 20, // rateLimits.maxConcurrentDispatches
  },
  'database trigger': {
    functions: ['callFanOut'],
    sdks: ['database', 'functions'],
    conversations: 80,
  },
  callables: {
    functions: ['callControl', 'siteSettings'],
    sdks: ['database', 'auth', 'twilio'],
    conversations: 10,
  },
  scheduler: { functions: ['sweepCalls'], sdks: ['database', 'twilio'], conversations: 80 },
};

type Sample = { rssMb: number; heapMb: number };
export type GroupMemory = {
  group: string;
  idle: Sample;
  loaded: Sample;
  peak: Sample;
  /** The kernel's high-water mark for the process (getrusage maxrss): what a memory limit sees. */
  maxRssMb: number;
};

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const sample = (): Sample => {
  const { rss, heapUsed } = process.memoryUsage();
  return { rssMb: mb(rss), heapMb: mb(heapUsed) };
};

function loadSdks(sdks: Sdk[]) {
  const admin = require('firebase-admin/app') as typeof import('firebase-admin/app');
  const app =
    admin.getApps()[0] ??
    admin.initializeApp({
      projectId: 'memory-check',
      databaseURL: 'https://memory-check-default-rtdb.europe-west1.firebasedatabase.app',
    });
  // What each function group's SDK costs an instance: loaded and given a client, as on first use.
  const client: Record<Sdk, () => unknown> = {
    twilio: () => (require('twilio') as typeof import('twilio'))('AC' + '0'.repeat(32), 'token'),
    openai: () =>
      new (require('openai') as typeof import('openai')).default({
        apiKey: 'sk-none',
        baseURL: 'http://127.0.0.1:9',
      }),
    database: () =>
      (require('firebase-admin/database') as typeof import('firebase-admin/database')).getDatabase(
        app,
      ),
    firestore: () =>
      (
        require('firebase-admin/firestore') as typeof import('firebase-admin/firestore')
      ).getFirestore(app),
    functions: () =>
      (
        require('firebase-admin/functions') as typeof import('firebase-admin/functions')
      ).getFunctions(app),
    messaging: () =>
      (
        require('firebase-admin/messaging') as typeof import('firebase-admin/messaging')
      ).getMessaging(app),
    auth: () =>
      (require('firebase-admin/auth') as typeof import('firebase-admin/auth')).getAuth(app),
  };
  const clients = sdks.map((sdk) => client[sdk]());
  return clients;
}

/** The evaluation corpus's utterances: what callers say, in five languages. */
const corpus = () => loadCorpus(join(ROOT, 'eval', 'corpus')).map((c) => c.text);

/** One group, in this process: the caller spawns a fresh Node per group. */
async function measureHere(group: string): Promise<GroupMemory> {
  const spec = GROUPS[group];
  if (!spec) throw new Error(`no group ${group}`);
  const idle = sample();
  const clients = loadSdks(spec.sdks);
  const bundle = require(BUNDLE) as Record<string, unknown>;
  for (const name of spec.functions)
    if (!bundle[name]) throw new Error(`the bundle exports no ${name}`);
  const { DEMO_PROCEDURES } = require(
    join(LIB, 'assistant', 'procedures.js'),
  ) as typeof import('../../functions/src/assistant/procedures.ts');
  const { offlineReply } = require(
    join(LIB, 'assistant', 'offlineResponder.js'),
  ) as typeof import('../../functions/src/assistant/offlineResponder.ts');
  const { detectLanguage, replyLanguage } = require(
    join(LIB, 'assistant', 'language.js'),
  ) as typeof import('../../functions/src/assistant/language.ts');
  const { buildPrompt } = require(
    join(LIB, 'assistant', 'prompt.js'),
  ) as typeof import('../../functions/src/assistant/prompt.ts');
  const twiml = require(
    join(LIB, 'core', 'twiml.js'),
  ) as typeof import('../../functions/src/core/twiml.ts');
  // First use loads the word lists, tinyld's profiles, double-metaphone and the stemmers.
  offlineReply('my mate collapsed and is not breathing', DEMO_PROCEDURES, 'en');
  detectLanguage('mi compañero se cayó y no respira');
  const loaded = sample();

  let peak = loaded;
  const note = () => {
    const now = sample();
    peak = { rssMb: Math.max(peak.rssMb, now.rssMb), heapMb: Math.max(peak.heapMb, now.heapMb) };
  };
  const utterances = corpus();
  const speech = { language: 'en-GB', model: 'phone_call', timeout: 'auto' };
  // The calls an instance holds at once: each with its transcript, its prompt and its answer.
  const held: unknown[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (let c = 0; c < spec.conversations; c++) {
      const transcript: Array<{ role: 'user' | 'assistant'; content: string }> = [];
      for (let m = 0; m < 40; m++) {
        const utterance = utterances[(round * 997 + c * 40 + m) % utterances.length]!;
        const language = replyLanguage(undefined, utterance);
        const reply = offlineReply(utterance, DEMO_PROCEDURES, language);
        transcript.push(
          { role: 'user', content: utterance },
          { role: 'assistant', content: reply.text },
        );
        const listen = twiml.listenFor(
          'https://example.test',
          { call: `CA${c}`, gather: `g${m}` },
          speech,
          'collapse, fire',
          language,
        );
        const answer = twiml.speakAndListen(reply.text, listen);
        if (m === 39) {
          const prompt = buildPrompt(
            {
              utterance,
              procedures: DEMO_PROCEDURES,
              history: transcript,
              language,
              caller: { name: 'A worker', language: undefined },
            } as unknown as Parameters<typeof buildPrompt>[0],
            DEMO_PROCEDURES,
            language,
          );
          held[c] = { transcript, prompt, answer };
        }
      }
      if (c % 10 === 0) note();
    }
    note();
  }
  note();
  if (clients.length < 0 || held.length < 0) throw new Error('unreachable: keeps them alive');
  const maxRssMb = mb(process.resourceUsage().maxRSS * 1024);
  return { group, idle, loaded, peak, maxRssMb };
}

/** Every group, each in a fresh Node (so one group's SDKs do not count against another). */
export function measureAll(): GroupMemory[] {
  return Object.keys(GROUPS).map((group) => {
    const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--group', group], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, GCLOUD_PROJECT: 'memory-check', FUNCTIONS_CONTROL_API: '' },
    });
    if (run.status !== 0) throw new Error(`${group} failed:\n${run.stderr}`);
    const last = run.stdout.trim().split('\n').at(-1)!;
    return JSON.parse(last) as GroupMemory;
  });
}

export function table(rows: GroupMemory[]): string {
  const head = '| group | idle RSS | loaded RSS / heap | peak RSS / heap | max RSS |';
  const line = (r: GroupMemory) =>
    `| ${r.group} | ${r.idle.rssMb} MB | ${r.loaded.rssMb} / ${r.loaded.heapMb} MB | ${r.peak.rssMb} / ${r.peak.heapMb} MB | ${r.maxRssMb} MB |`;
  return [head, '|---|---|---|---|---|', ...rows.map(line)].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--group');
  if (at > 0) {
    console.log(JSON.stringify(await measureHere(process.argv[at + 1]!)));
    process.exit(0); // SDK clients keep sockets and timers; a warm instance would too.
  }
  console.log(`Node ${process.version}, ${BUNDLE}`);
  console.log(table(measureAll()));
}
