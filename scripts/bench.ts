/**
 * `npm run bench -- --calls 100 --turns 2 --concurrency 2 [--model-latency 50]`: simulated calls
 * against the local stack (the running one, or one started for the run), printing docs/design.md's
 * speed budget figures. With --model-latency the stack it starts answers through the local
 * model server with that much latency per completion. --render-samples N (default 40) sets how
 * many transcript messages are timed from their write to their render in the dashboard.
 * --speculation N (with --model-latency 700, say) speaks N calls' utterances word by word with
 * speculative replies and N the same without, and prints "caller stops speaking → reply ready"
 * for both and the speculation hit rate; --speech-end sets Twilio's end-of-speech wait (1000 ms).
 * --repeat N makes N measured runs of --calls calls and prints, run by run, the calls archived
 * and the caller turns lost (answered 200 but not in the archive exactly once).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Database } from 'firebase-admin/database';
import type { Page } from 'playwright-core';
import { parseCommandLine, wholeNumber } from './lib/command-line.ts';
import type { SpokenTurn } from './lib/speculation-bench.ts';
import type { Stack } from './lib/stack.ts';

const USAGE = `usage: npm run bench -- [--calls N] [--turns N] [--concurrency N] [--repeat N] [--model-latency MS]
                      [--render-samples N] [--speculation N [--speech-end MS]]
Simulated calls against the running stack (npm start), or against a stack it starts for the run, printing the
speed budget's figures (docs/design.md): handler times, hang-up to archived, a message's write to its render in the
dashboard (Chromium), a critical call to its alarm, cold start. Exits 1 when a call was not archived or a
message or caller turn was lost. npm run bench builds the functions and the dashboard first.

options:
  --calls N            calls per measured run (default 100: 200 turns, so a p99 is not just the slowest turn)
  --turns N            caller turns per call (default 2)
  --concurrency N      calls at a time (default 2)
  --repeat N           measured runs of --calls calls, printed run by run: the calls archived and the caller
                       turns lost, answered 200 but not archived exactly once (default 1)
  --model-latency MS   the stack it starts answers through the local model server, with this much latency per
                       completion (stop npm start first: the bench must start its own stack)
  --render-samples N   transcript messages timed from their write to their render in the dashboard (default 40;
                       0 skips the dashboard's timings)
  --speculation N      speak N calls word by word with speculative replies and N the same without, and print
                       "caller stops speaking → reply ready" for both and the hit rate (default 0: not run)
  --speech-end MS      with --speculation: Twilio's end-of-speech wait before it posts the final words (default 1000)
  -h, --help           this help`;

const { values, fail } = parseCommandLine('bench', USAGE, {
  // 100 calls of two turns: a p99 over fewer than 100 turns is the slowest one, whatever else the two cores did then.
  calls: { type: 'string', default: '100' },
  turns: { type: 'string', default: '2' },
  concurrency: { type: 'string', default: '2' },
  'model-latency': { type: 'string' },
  'render-samples': { type: 'string', default: '40' },
  speculation: { type: 'string', default: '0' },
  'speech-end': { type: 'string', default: '1000' },
  repeat: { type: 'string', default: '1' },
});
/** Measured runs of CALLS calls each: a turn lost once in five runs shows only over several. */
const REPEAT = wholeNumber(fail, 'repeat', values.repeat, 1);
// Fewer than one call or one turn leaves the percentiles nothing to rank.
const CALLS = wholeNumber(fail, 'calls', values.calls, 1);
const TURNS = wholeNumber(fail, 'turns', values.turns, 1);
const CONCURRENCY = wholeNumber(fail, 'concurrency', values.concurrency, 1);
const RENDER_SAMPLES = wholeNumber(fail, 'render-samples', values['render-samples']);
/** Calls per mode for "caller stops speaking → reply ready", with and without speculation; 0 skips it. */
const SPECULATION_CALLS = wholeNumber(fail, 'speculation', values.speculation);
/** Twilio's end-of-speech wait before it posts the final words (speechTimeout "auto" waits about this long). */
const SPEECH_END_MS = wholeNumber(fail, 'speech-end', values['speech-end']);
const MODEL_LATENCY_MS =
  values['model-latency'] === undefined
    ? undefined
    : wholeNumber(fail, 'model-latency', values['model-latency']);

// Loaded after the command line is parsed, so --help answers without the SDKs, Chromium or the stack.
const { deleteApp } = await import('firebase-admin/app');
const { getAuth } = await import('firebase-admin/auth');
const { getDatabase } = await import('firebase-admin/database');
const { getFirestore } = await import('firebase-admin/firestore');
const { DEMO_ADMIN, grantAdmin } = await import('./lib/admins.ts');
const { launchChromium, signIn } = await import('./lib/browser.ts');
const { seedProcedures, seedWorkers } = await import('./lib/seed.ts');
const { LOCAL_DEFAULTS, PORTS, ROOT, localAdminApp } = await import('./lib/project.ts');
const { startStack } = await import('./lib/stack.ts');
const { ModelServer } = await import('./lib/model-server.ts');
const { SimulatedCall } = await import('./lib/twilio-sim.ts');
const { speakThenAnswer, speculationCounts } = await import('./lib/speculation-bench.ts');

const UTTERANCES = [
  "There's a fire in Zone A",
  'I smell gas near the compressor',
  'My colleague fell and is bleeding',
  'There is a chemical spill by tank three',
  'The conveyor is making sparks',
  'Where is the assembly point?',
];

async function stackIsRunning() {
  try {
    await fetch(`http://127.0.0.1:${PORTS.hosting}/`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

let ownStack: Stack | null = null;
let modelServer: InstanceType<typeof ModelServer> | null = null;
if (await stackIsRunning()) {
  if (MODEL_LATENCY_MS !== undefined)
    fail('--model-latency needs the bench to start its own stack: stop npm start first.');
  console.log(
    'Using the running stack (it must use the local default Twilio token or TWILIO_AUTH_TOKEN).',
  );
} else {
  console.log('Starting a local stack for the benchmark…');
  if (MODEL_LATENCY_MS !== undefined) {
    modelServer = await new ModelServer().start();
    modelServer.latencyMs = MODEL_LATENCY_MS;
  }
  const model = modelServer
    ? { apiKey: 'local', baseUrl: modelServer.baseUrl, model: 'local-grounded-model' }
    : undefined;
  ownStack = await startStack({ ...LOCAL_DEFAULTS, model, verbose: false, sweepEverySeconds: 0 });
}
const app = localAdminApp();
const db = getDatabase(app);
const firestore = getFirestore(app);
if (ownStack) {
  await seedWorkers(firestore);
  await seedProcedures(firestore);
  await grantAdmin({ auth: getAuth(app), db, firestore }, DEMO_ADMIN.email, DEMO_ADMIN.password);
}

const authToken = process.env.TWILIO_AUTH_TOKEN || LOCAL_DEFAULTS.twilioAuthToken;
const publicBaseUrl = process.env.PUBLIC_BASE_URL || LOCAL_DEFAULTS.publicBaseUrl;

type CallResult = {
  statusTimings: Record<string, number>;
  statusMs: number;
  turnMs: number[];
  turnOverheadMs: number[];
  /** Steps of each turn (Server-Timing): opening it on the call, writing the answer after the responder. */
  turnSteps: Array<Record<string, number>>;
  archiveMs: number | null;
  /** The call was in the live database by the time the caller hung up. */
  recorded: boolean;
  /** Its archive held it within ARCHIVE_WAIT_MS of the hang-up. */
  archived: boolean;
  /** Webhooks answered with something other than 200. */
  failedWebhooks: number;
  lost: number;
  /** Caller turns (words Twilio posted and a webhook answered 200) missing from the archived transcript. */
  lostTurns: number;
  /** Caller turns answered 200. */
  answeredTurns: number;
};

/** Calls at full width before the measured run, so the emulator's worker pools have grown (see the warm-up). */
const WARM_CALLS = 5 * CONCURRENCY;

/** How long a call's archive may take after the hang-up before the bench counts it missing. */
const ARCHIVE_WAIT_MS = 120_000;

/** Resolves when the live call record disappears (the purge, which follows a verified archive), or null after `ms`. */
function purged(callId: string, ms: number): Promise<number | null> {
  return new Promise((resolve) => {
    const ref = db.ref(`active_calls/${callId}`);
    const timer = setTimeout(() => (ref.off('value', listener), resolve(null)), ms);
    const listener = ref.on('value', (snap) => {
      if (!snap.exists()) {
        clearTimeout(timer);
        ref.off('value', listener);
        resolve(performance.now());
      }
    });
  });
}

async function oneCall(n: number): Promise<CallResult> {
  const call = new SimulatedCall({
    baseUrl: LOCAL_DEFAULTS.publicBaseUrl,
    publicBaseUrl,
    authToken,
    from: `+1555020${String(n).padStart(4, '0')}`,
  });
  let failedWebhooks = 0;
  const ring = await call.ring();
  if (ring.status !== 200) failedWebhooks++;
  const spoken: string[] = [];
  const answered: string[] = [];
  const turnOverheadMs: number[] = [];
  const turnMs: number[] = [];
  const turnSteps: Array<Record<string, number>> = [];
  // A caller whose greeting never came has no Gather to answer (Twilio would have played its
  // error message and hung up): the call still ends, and its status callback still comes.
  let listening = !!ring.gatherAction;
  for (let t = 0; t < TURNS && listening; t++) {
    const speech = `${UTTERANCES[(n + t) % UTTERANCES.length]} (call ${n}, turn ${t})`;
    spoken.push(speech);
    const turn = await call.say(speech);
    if (turn.status !== 200) failedWebhooks++;
    else answered.push(speech);
    listening = !!turn.gatherAction;
    turnMs.push(turn.serverTiming.handler ?? 0);
    turnSteps.push(turn.serverTiming);
    turnOverheadMs.push(turn.serverTiming.handler - (turn.serverTiming.responder ?? 0));
  }
  const indexed = (await db.ref(`call_sids/${call.callSid}`).get()).val() as string | null;
  // A CRITICAL call nobody acknowledged stays live after it ends (it alarms until someone has
  // seen it): the bench acknowledges each call, as the supervisor on the dashboard would.
  if (indexed) await acknowledge(indexed);
  const gone = indexed ? purged(indexed, ARCHIVE_WAIT_MS) : null;
  const hungUp = performance.now();
  const status = await call.status('completed');
  if (status.status !== 200) failedWebhooks++;
  // A call not recorded by the hang-up is recorded by its status callback: find it by CallSid.
  const callId =
    indexed ?? ((await db.ref(`call_sids/${call.callSid}`).get()).val() as string | null);
  const purgedAt = gone ? await gone : callId ? await purged(callId, ARCHIVE_WAIT_MS) : null;
  const archivedCall = callId ? await firestore.collection('calls').doc(callId).get() : null;
  const conversation = callId
    ? await firestore
        .collection('conversations')
        .doc(callId.replace(/^call_/, 'conv_'))
        .get()
    : null;
  const messages = (conversation?.get('messages') ?? []) as Array<{ content: string }>;
  const expected = 1 + 2 * spoken.length;
  const lost =
    Math.max(0, expected - messages.length) +
    spoken.filter((s) => !messages.some((m) => m.content === s)).length;
  const lostTurns = answered.filter(
    (s) => messages.filter((m) => m.content === s).length !== 1,
  ).length;
  return {
    statusTimings: status.serverTiming,
    statusMs: status.serverTiming.handler ?? 0,
    turnMs,
    turnOverheadMs,
    turnSteps,
    archiveMs: purgedAt === null ? null : purgedAt - hungUp,
    recorded: indexed !== null,
    archived: !!archivedCall?.exists && !!conversation?.exists,
    failedWebhooks,
    lost,
    lostTurns,
    answeredTurns: answered.length,
  };
}

/** What the dashboard's Acknowledge writes (through the callControl callable): the call in hand at its urgency. */
async function acknowledge(callId: string): Promise<void> {
  await db.ref(`active_calls/${callId}`).transaction((call: Record<string, unknown> | null) =>
    call
      ? {
          ...call,
          acknowledged_by: DEMO_ADMIN.email,
          acknowledged_at: new Date().toISOString(),
          acknowledged_urgency: call.urgency,
        }
      : call,
  );
}

async function runCalls(
  count: number,
  offset: number,
  concurrency = CONCURRENCY,
): Promise<CallResult[]> {
  const results: CallResult[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) results.push(await oneCall(offset + next++));
    }),
  );
  return results;
}

/** One call speaking its utterances word by word, with or without speculation; the call then ends. */
async function spokenCall(n: number, speculate: boolean): Promise<SpokenTurn[]> {
  const call = new SimulatedCall({
    baseUrl: LOCAL_DEFAULTS.publicBaseUrl,
    publicBaseUrl,
    authToken,
    from: `+1555030${String(n).padStart(4, '0')}`,
  });
  const turns: SpokenTurn[] = [];
  if ((await call.ring()).gatherAction) {
    for (let t = 0; t < TURNS && (turns.at(-1)?.listening ?? true); t++) {
      turns.push(
        await speakThenAnswer(call, UTTERANCES[(n + t) % UTTERANCES.length], {
          speculate,
          speechEndMs: SPEECH_END_MS,
        }),
      );
    }
  }
  await call.status('completed');
  return turns;
}

/** The same utterances with and without speculation, one call after the other, so neither mode slows the other. */
async function speculationRun(calls: number) {
  const before = await speculationCounts(db);
  const withSpeculation: SpokenTurn[] = [];
  const without: SpokenTurn[] = [];
  for (let n = 0; n < calls; n++) {
    withSpeculation.push(...(await spokenCall(n, true)));
    without.push(...(await spokenCall(1000 + n, false)));
  }
  const after = await speculationCounts(db);
  return {
    withSpeculation,
    without,
    hits: after.hit - before.hit,
    wasted: after.wasted - before.wasted,
  };
}

/** Runs `work` in a dashboard page signed in as the demo admin, in a Chromium of its own. */
async function inDashboard<T>(work: (page: Page) => Promise<T>): Promise<T> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await signIn(page, LOCAL_DEFAULTS.publicBaseUrl, DEMO_ADMIN.email, DEMO_ADMIN.password);
    return await work(page);
  } finally {
    await browser.close();
  }
}

/**
 * The admin's view of a new message: a supervisor has a live call open in the dashboard (real
 * Chromium, signed in); messages are written to its transcript with the Admin SDK, as the
 * functions write them, and a MutationObserver in the page notes when each is rendered.
 */
async function writeToRenderMs(database: Database, samples: number): Promise<number[]> {
  return inDashboard(async (page) => {
    const call = new SimulatedCall({
      baseUrl: LOCAL_DEFAULTS.publicBaseUrl,
      publicBaseUrl,
      authToken,
      from: '+15550299999',
    });
    await call.ring();
    const callId = (await database.ref(`call_sids/${call.callSid}`).get()).val() as string;
    const conversationId = callId.replace(/^call_/, 'conv_');
    await page.locator(`tr[data-call-id="${callId}"]`).click();
    await page.locator('[data-testid=transcript] li').first().waitFor();
    await page.evaluate(() => {
      const rendered: Record<string, number> = {};
      (window as unknown as { rendered: typeof rendered }).rendered = rendered;
      new MutationObserver((records) => {
        const now = Date.now();
        for (const record of records)
          for (const node of record.addedNodes)
            if (node instanceof HTMLElement && node.dataset.messageKey)
              rendered[node.dataset.messageKey] = now;
      }).observe(document.querySelector('[data-testid=transcript]')!, { childList: true });
    });
    const written: Record<string, number> = {};
    for (let i = 0; i < samples; i++) {
      const ref = database.ref(`active_conversations/${conversationId}/messages`).push();
      written[ref.key!] = Date.now();
      await ref.set({
        role: i % 2 ? 'assistant' : 'user',
        content: `Benchmark message ${i}`,
        timestamp: new Date().toISOString(),
        sources: '',
      });
      await new Promise((r) => setTimeout(r, 60));
    }
    const rendered = await page.waitForFunction(
      (keys) => {
        const seen = (window as unknown as { rendered: Record<string, number> }).rendered;
        return keys.every((k) => k in seen) ? seen : null;
      },
      Object.keys(written),
      { timeout: 30_000 },
    );
    const at = (await rendered.jsonValue()) as Record<string, number>;
    await call.status('completed');
    return Object.entries(written).map(([key, sent]) => at[key]! - sent);
  });
}

/**
 * A CRITICAL call reaching a supervisor: from the caller's words being sent (the turn that
 * makes the call critical) to the alarm banner in the dashboard: the turn's write, the
 * fan-out's summary and alert, and the push to the page. The banner can come before the
 * caller hears Aurora's answer.
 */
async function criticalToAlarmMs(database: Database, samples: number): Promise<number[]> {
  return inDashboard(async (page) => {
    await page.getByTestId('alerts').waitFor();
    await page.evaluate(() => {
      const shownAt: Record<string, number> = {};
      (window as unknown as { alarmShownAt: typeof shownAt }).alarmShownAt = shownAt;
      new MutationObserver((records) => {
        const now = Date.now();
        for (const record of records)
          for (const node of record.addedNodes)
            if (node instanceof HTMLElement && node.dataset.callId)
              shownAt[node.dataset.callId] ??= now;
        // The entries are drawn into the banner's list, not as its own children: the whole subtree is watched.
      }).observe(document.querySelector('.alarms')!, { childList: true, subtree: true });
    });
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const call = new SimulatedCall({
        baseUrl: LOCAL_DEFAULTS.publicBaseUrl,
        publicBaseUrl,
        authToken,
        from: `+155503${String(i).padStart(5, '0')}`,
      });
      await call.ring();
      const callId = (await database.ref(`call_sids/${call.callSid}`).get()).val() as string;
      const sent = Date.now();
      const turn = await call.say('There is a fire in the paint store');
      const banner = page.locator(`[data-testid=critical-alarm][data-call-id="${callId}"]`);
      await banner.waitFor({ timeout: 30_000 });
      const shown = await page.evaluate(
        (id) => (window as unknown as { alarmShownAt: Record<string, number> }).alarmShownAt[id]!,
        callId,
      );
      times.push(shown - sent);
      if (turn.status !== 200) throw new Error(`turn answered ${turn.status}`);
      await banner.getByRole('button', { name: 'Acknowledge' }).click();
      await call.status('completed');
    }
    return times;
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const row = (name: string, values: number[], target: string) =>
  `${name.padEnd(52)} ${[50, 95, 99].map((p) => percentile(values, p).toFixed(1).padStart(8)).join('')}   ${target}`;

/** Cold start: a fresh Node process loading the functions as they deploy (functions/dist, their package's main), as a new instance does. */
function moduleLoadMs(): number[] {
  const script = `const t = performance.now(); require(${JSON.stringify(join(ROOT, 'functions'))}); console.log(performance.now() - t);`;
  return Array.from({ length: 5 }, () =>
    Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim()),
  );
}

try {
  // The functions emulator runs each concurrent request in a Node process of its own and keeps
  // idle ones: a cold burst of N spawns N processes at once, which two cores cannot start within
  // Twilio's 15 s (shared/OFFLINE-EMULATORS.md). Deployed, one instance serves many requests.
  // So the emulator is warmed up in steps, as traffic would ramp up, before the measured run.
  for (let width = Math.min(5, CONCURRENCY); ; width = Math.min(CONCURRENCY, width * 2)) {
    console.log(`Warming up ${width} function instances…`);
    await runCalls(width, 9000 + width * 10, width);
    if (width === CONCURRENCY) break;
  }
  // One round per width is not enough: every function a call reaches (the turn, the status
  // callback, archival, escalation, which the tasks emulator runs at once rather than when due)
  // grows its own pool when its requests overlap, and a worker started mid-run spends a core-second
  // loading the functions, which the measured turns then wait behind. A few more rounds at full
  // width start them before the measured run, as a deployed instance would be warm.
  console.log(`Warming up: ${WARM_CALLS} calls, ${CONCURRENCY} at a time…`);
  await runCalls(WARM_CALLS, 7000);
  let emulatorOutput = '';
  const unsubscribe = ownStack?.onOutput((chunk) => (emulatorOutput += chunk));
  const started = performance.now();
  const results: CallResult[] = [];
  const runs: string[] = [];
  for (let run = 1; run <= REPEAT; run++) {
    console.log(
      `Run ${run} of ${REPEAT}: ${CALLS} calls of ${TURNS} turns, ${CONCURRENCY} at a time…`,
    );
    const these = await runCalls(CALLS, (run - 1) * CALLS);
    results.push(...these);
    const turns = these.reduce((sum, r) => sum + r.answeredTurns, 0);
    runs.push(
      `run ${run}: ${these.filter((r) => r.archived).length} of ${these.length} calls archived, ` +
        `caller turns lost: ${these.reduce((sum, r) => sum + r.lostTurns, 0)} of ${turns} answered`,
    );
  }
  const seconds = (performance.now() - started) / 1000;
  const load = moduleLoadMs();
  console.log(
    `Timing ${RENDER_SAMPLES} transcript messages from write to render in the dashboard…`,
  );
  const renderMs = RENDER_SAMPLES > 0 ? await writeToRenderMs(db, RENDER_SAMPLES) : [];
  const ALARM_SAMPLES = Math.min(10, Math.max(3, Math.round(RENDER_SAMPLES / 4)));
  console.log(
    `Timing ${ALARM_SAMPLES} critical calls from the turn that made them critical to the dashboard's alarm…`,
  );
  const alarmMs = RENDER_SAMPLES > 0 ? await criticalToAlarmMs(db, ALARM_SAMPLES) : [];

  let speculation: Awaited<ReturnType<typeof speculationRun>> | null = null;
  if (SPECULATION_CALLS > 0) {
    console.log(
      `Speaking ${SPECULATION_CALLS} calls of ${TURNS} turns word by word with speculative replies, and the same without…`,
    );
    speculation = await speculationRun(SPECULATION_CALLS);
  }

  console.log(
    `\n${'step (ms)'.padEnd(52)} ${['p50', 'p95', 'p99'].map((h) => h.padStart(8)).join('')}   target`,
  );
  console.log(
    row(
      'status callback, handler time',
      results.map((r) => r.statusMs),
      'p99 < 20',
    ),
  );
  for (const step of ['lookup', 'write', 'enqueue']) {
    console.log(
      row(
        `  of which ${step}`,
        results.map((r) => r.statusTimings[step] ?? 0),
        '',
      ),
    );
  }
  const responderName = modelServer
    ? `local model, ${modelServer.latencyMs} ms`
    : 'offline responder';
  console.log(
    row(
      `turn, handler time (${responderName})`,
      results.flatMap((r) => r.turnMs),
      '',
    ),
  );
  console.log(
    row(
      'turn, handler time minus the responder',
      results.flatMap((r) => r.turnOverheadMs),
      'p99 < 20',
    ),
  );
  for (const [step, what] of [
    ['open', 'opening the turn on the call'],
    ['write', 'writing the answer, after the responder'],
  ]) {
    console.log(
      row(
        `  of which ${what}`,
        results.flatMap((r) => r.turnSteps.map((t) => t[step] ?? 0)),
        '',
      ),
    );
  }
  if (modelServer) {
    const modelMs = modelServer.latencyMs;
    console.log(
      row(
        "turn, Aurora's overhead over the model's time",
        results.flatMap((r) => r.turnMs.map((ms) => ms - modelMs)),
        'p99 < 20',
      ),
    );
  }
  console.log(
    row(
      'hang-up to archived and purged',
      results.flatMap((r) => (r.archiveMs === null ? [] : [r.archiveMs])),
      'p95 < 1000',
    ),
  );
  unsubscribe?.();
  if (ownStack) {
    // The emulator's own timing of each archive task run (archive, verify, purge), without its queue wait.
    const runs = [
      ...emulatorOutput.matchAll(/Finished "us-central1-archiveCall" in ([\d.]+)ms/g),
    ].map((m) => Number(m[1]));
    if (runs.length > 0) console.log(row('  of which the archive task itself', runs, ''));
  }
  if (renderMs.length > 0)
    console.log(
      row('admin sees a new message: write to render', renderMs, 'p95 < 250 (seed ~1000)'),
    );
  if (alarmMs.length > 0)
    console.log(
      row(
        'critical words sent to alarm in the dashboard',
        alarmMs,
        `fan-out via ${ownStack?.triggers ?? 'the running stack'}`,
      ),
    );
  console.log(row('cold start: load the functions module', load, 'heavy SDKs lazy'));
  if (speculation) {
    const { withSpeculation: on, without: off, hits, wasted } = speculation;
    const ms = (turns: SpokenTurn[], pick: (t: SpokenTurn) => number) =>
      turns.filter((t) => !t.failed).map(pick);
    console.log(
      `\ncaller stops speaking → reply ready (${responderName}; Twilio posts the final words ${SPEECH_END_MS} ms after the last word)`,
    );
    console.log(
      row(
        '  final words posted → reply, with speculation',
        ms(on, (t) => t.answerMs),
        'p50 < 100',
      ),
    );
    console.log(
      row(
        '  final words posted → reply, without',
        ms(off, (t) => t.answerMs),
        '',
      ),
    );
    console.log(
      row(
        '  handler time, with speculation',
        ms(on, (t) => t.handlerMs),
        '',
      ),
    );
    console.log(
      row(
        '  handler time, without',
        ms(off, (t) => t.handlerMs),
        '',
      ),
    );
    console.log(
      row(
        '  last word → reply, with speculation',
        ms(on, (t) => SPEECH_END_MS + t.answerMs),
        '',
      ),
    );
    console.log(
      row(
        '  last word → reply, without',
        ms(off, (t) => SPEECH_END_MS + t.answerMs),
        '',
      ),
    );
    const ratio =
      percentile(
        ms(off, (t) => t.answerMs),
        50,
      ) /
      Math.max(
        1,
        percentile(
          ms(on, (t) => t.answerMs),
          50,
        ),
      );
    console.log(`  p50 ratio without / with: ${ratio.toFixed(1)}x`);
    console.log(
      `  speculation hit rate: ${hits} of ${on.length} turns (${((100 * hits) / Math.max(1, on.length)).toFixed(0)}%, target 80%); wasted speculations: ${wasted}`,
    );
    console.log(`  failed turns: ${[...on, ...off].filter((t) => t.failed).length}`);
  }
  const lost = results.reduce((sum, r) => sum + r.lost, 0);
  const share = (n: number) => `${n} (${((100 * n) / results.length).toFixed(0)}%)`;
  const recorded = results.filter((r) => r.recorded).length;
  const archived = results.filter((r) => r.archived).length;
  console.log(
    `\ncalls placed: ${results.length}, recorded live by the hang-up: ${share(recorded)}, archived: ${share(archived)} (must be 100%)`,
  );
  console.log(
    `webhooks not answered 200: ${results.reduce((sum, r) => sum + r.failedWebhooks, 0)}`,
  );
  console.log(`lost messages: ${lost} of ${results.length * (1 + 2 * TURNS)} (must be 0)`);
  for (const line of runs) console.log(line);
  const lostTurns = results.reduce((sum, r) => sum + r.lostTurns, 0);
  console.log(
    `caller turns answered but not archived exactly once, all runs: ${lostTurns} of ${results.reduce((sum, r) => sum + r.answeredTurns, 0)} (must be 0)`,
  );
  console.log(
    `${results.length} calls in ${seconds.toFixed(1)} s (${(results.length / seconds).toFixed(1)} calls/s) on the local emulators`,
  );
  console.log(
    "Hang-up to purged includes the tasks emulator's dispatch loop, which looks at idle queues once a second.",
  );
  if (lost > 0 || lostTurns > 0 || archived < results.length) process.exitCode = 1;
} finally {
  await deleteApp(app);
  await ownStack?.stop();
  await modelServer?.stop();
}
