/** The turn webhook as Twilio meets it: answered in time from the request's arrival, whatever is slow. */
import twilioWebhooks from 'twilio/lib/webhooks/webhooks';
import { describe, expect, it } from 'vitest';
import { modelResponder } from '../../../functions/src/assistant/modelResponder';
import { controlCall } from '../../../functions/src/calls/controlCall';
import { startCall } from '../../../functions/src/calls/startCall';
import { AuroraError } from '../../../functions/src/core/errors';
import type { LiveDb } from '../../../functions/src/ports';
import { turnWebhook } from '../../../functions/src/triggers/webhooks';
import { twilioWebhook } from '../../../functions/src/triggers/twilioWebhook';
import { memoryDeps } from '../../helpers/fakes';
import { callSid, silentLog } from '../../helpers/fixtures';

const TOKEN = 'test-token';
const CALL_ID = 'call_15550100001_20251004_143000';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The database answering, but `ms` late on every operation. */
const slowed = (live: LiveDb, ms: number): LiveDb => ({
  get: async (path) => (await sleep(ms), live.get(path)),
  update: async (changes) => (await sleep(ms), live.update(changes)),
  transact: async (path, next) => (await sleep(ms), live.transact(path, next)),
});

/** A model that takes `ms` to answer, giving up at the timeout it is given, as the openai SDK does. */
const slowModel = (ms: number) =>
  modelResponder({
    chat: {
      complete: ({ timeoutMs }) =>
        sleep(Math.min(ms, timeoutMs)).then(() =>
          ms > timeoutMs
            ? Promise.reject(new AuroraError('timeout', { retryable: true }))
            : '{"reply":"Leave now.","urgency":"URGENT","sources":[]}',
        ),
    },
    model: 'slow',
    budgetMs: 8000,
    log: silentLog,
  });

async function postTurn(
  answerWithinMs: number,
  dbDelayMs: number,
  modelMs: number,
  /** `held`: a supervisor takes the call first; `heldHint`: the Gather's URL says so (by default, when held). */
  { held = false, heldHint = held }: { held?: boolean; heldHint?: boolean } = {},
) {
  const world = memoryDeps();
  await startCall({ callSid: callSid(1), from: '+15550100001' }, world.deps);
  if (held)
    await controlCall({ action: 'take', callId: CALL_ID }, { id: 'ana@site.example' }, world.deps);
  world.deps.live = slowed(world.live, dbDelayMs);
  world.deps.responder = slowModel(modelMs);
  const handle = twilioWebhook(
    { ...turnWebhook, answerWithin: { ...turnWebhook.answerWithin!, ms: answerWithinMs } },
    () => TOKEN,
    () => world.deps,
  );
  // A Gather given while a supervisor held the call says so (core/twiml.ts NextTurn.held).
  const url = `https://aurora.example.com/twilio/turn?call=${CALL_ID}&g=0000000aaa1111${heldHint ? '&held=1' : ''}`;
  const body = {
    CallSid: callSid(1),
    From: '+15550100001',
    SpeechResult: 'there is a fire in the paint store',
  };
  const signature = twilioWebhooks.getExpectedTwilioSignature(TOKEN, url, body);
  const res = {
    code: 0,
    text: '',
    status(c: number) {
      this.code = c;
      return this;
    },
    set() {
      return this;
    },
    type() {
      return this;
    },
    send(t: string) {
      this.text = t;
      return this;
    },
  };
  const started = performance.now();
  await handle(
    {
      method: 'POST',
      body,
      originalUrl: url.slice('https://aurora.example.com'.length),
      get: (h: string) => (h === 'X-Twilio-Signature' ? signature : undefined),
    } as never,
    res as never,
  );
  return { ms: performance.now() - started, res, world };
}

describe('the turn webhook under a slow database and a slow model at once', () => {
  it('gives the model only what is left of the turn since the request arrived, and answers in time', async () => {
    // Each database step 150 ms late and a model that would take 5 s, with 1.5 s to answer.
    const { ms, res } = await postTurn(1500, 150, 5000);
    expect(res.code).toBe(200);
    expect(res.text).toContain('Leave the area now'); // the offline guidance, since the model had no time left
    expect(ms).toBeLessThan(1500 + 500);
  });

  it('records what the caller heard at the deadline, not the answer the turn finished later', async () => {
    const { res, world } = await postTurn(600, 800, 50);
    expect(res.text).toContain('Leave the area now');
    await sleep(6000); // the turn goes on after the answer, and records
    const messages = Object.values(
      (await world.live.get(
        'active_conversations/conv_15550100001_20251004_143000/messages',
      )) as Record<string, { role: string; content: string; fallback?: string }>,
    );
    const said = messages.filter((m) => m.role === 'assistant').at(-1)!;
    expect(res.text).toContain(said.content);
    expect(messages.map((m) => m.role)).toEqual(['assistant', 'user', 'assistant']);
    expect(await world.live.get('active_calls/call_15550100001_20251004_143000/urgency')).toBe(
      'CRITICAL',
    );
  }, 15_000);

  it('says nothing at the deadline on a call a supervisor held when its Gather was given, and records only the words', async () => {
    const { res, world } = await postTurn(600, 800, 50, { held: true });
    expect(res.code).toBe(200);
    expect(res.text).not.toContain('<Say');
    expect(res.text).toContain('held=1');
    await sleep(6000); // the turn goes on after the answer, and records
    const messages = Object.values(
      (await world.live.get(
        'active_conversations/conv_15550100001_20251004_143000/messages',
      )) as Record<string, { role: string; content: string }>,
    );
    expect(messages.at(-1)).toMatchObject({
      role: 'user',
      content: 'there is a fire in the paint store',
    });
    expect(messages.filter((m) => m.role === 'assistant')).toHaveLength(1); // the greeting
  }, 15_000);

  // A stale hint (a take Twilio carried out though the functions undid it): the deadline says
  // nothing, and the turn, finding nobody holds the call, records no empty line of Aurora's.
  it("records no empty line of Aurora's when the deadline said nothing on a Gather wrongly marked held", async () => {
    const { res, world } = await postTurn(600, 800, 50, { heldHint: true });
    expect(res.text).not.toContain('<Say');
    await sleep(6000); // the turn goes on after the answer, and records
    const messages = Object.values(
      (await world.live.get(
        'active_conversations/conv_15550100001_20251004_143000/messages',
      )) as Record<string, { role: string; content: string }>,
    );
    expect(messages.map((m) => m.role)).toEqual(['assistant', 'user']);
    expect(messages.every((m) => m.content !== '')).toBe(true);
  }, 15_000);

  it("speaks the turn's own answer when the deadline fires while its writes are slow, so the transcript says what was heard", async () => {
    const world = memoryDeps();
    await startCall({ callSid: callSid(1), from: '+15550100001' }, world.deps);
    const live = world.live;
    world.deps.live = {
      get: (p) => live.get(p),
      transact: (p, n) => live.transact(p, n),
      update: async (c) => (await sleep(3000), live.update(c)),
    };
    world.deps.responder = slowModel(50);
    const handle = twilioWebhook(
      { ...turnWebhook, answerWithin: { ...turnWebhook.answerWithin!, ms: 2500 } },
      () => TOKEN,
      () => world.deps,
    );
    const url = `https://aurora.example.com/twilio/turn?call=${CALL_ID}&g=0000000aaa1111`;
    const body = {
      CallSid: callSid(1),
      From: '+15550100001',
      SpeechResult: 'there is a fire in the paint store',
    };
    const signature = twilioWebhooks.getExpectedTwilioSignature(TOKEN, url, body);
    const res = {
      code: 0,
      text: '',
      status(c: number) {
        this.code = c;
        return this;
      },
      set() {
        return this;
      },
      type() {
        return this;
      },
      send(t: string) {
        this.text = t;
        return this;
      },
    };
    await handle(
      {
        method: 'POST',
        body,
        originalUrl: url.slice('https://aurora.example.com'.length),
        get: (h: string) => (h === 'X-Twilio-Signature' ? signature : undefined),
      } as never,
      res as never,
    );
    await sleep(4000);
    const messages = Object.values(
      (await live.get('active_conversations/conv_15550100001_20251004_143000/messages')) as Record<
        string,
        { role: string; content: string }
      >,
    );
    expect(messages.at(-1)).toMatchObject({
      role: 'assistant',
      content: expect.stringContaining('Leave now.'),
    });
    expect(res.text).toContain('Leave now.');
  }, 15_000);

  it('answers with offline guidance at the deadline when the database alone would keep the caller waiting', async () => {
    const { ms, res } = await postTurn(600, 2000, 5000);
    expect(res.code).toBe(200);
    expect(res.text).toContain('Leave the area now');
    expect(res.text).toContain(`call=${CALL_ID}`);
    expect(ms).toBeLessThan(600 + 500);
  });
});

describe("the last-resort line, when a turn's handler fails outright", () => {
  it("is spoken in the site's language", () => {
    const { deps } = memoryDeps();
    expect(turnWebhook.onFailure!(deps)).toContain('Aurora is having trouble right now');
    deps.settings = { ...deps.settings, speech: { ...deps.settings.speech, language: 'es-ES' } };
    const twiml = turnWebhook.onFailure!(deps);
    expect(twiml).toContain('Si está en peligro, salga de la zona ahora');
    expect(twiml).not.toContain('<Hangup/>'); // the failed turn may have been an emergency: listened to again
    expect(twiml).toContain('<Gather');
  });
});
