/**
 * After a bridge: the called person's screening, then how the dialled leg ended. Whatever
 * Twilio reports, a caller still on the line hears it in their language and is listened to
 * again, the supervisor keeps the call, and the transcript tells the holder what happened.
 */
import twilioWebhooks from 'twilio/lib/webhooks/webhooks';
import { describe, expect, it } from 'vitest';
import { controlCall } from '../../../functions/src/calls/controlCall';
import { dialResult, screenAnswer, screenPrompt } from '../../../functions/src/calls/dialResult';
import { startCall } from '../../../functions/src/calls/startCall';
import { takeTurn } from '../../../functions/src/calls/takeTurn';
import type { LiveDb } from '../../../functions/src/ports';
import { dialWebhook, screenWebhook } from '../../../functions/src/triggers/webhooks';
import { twilioWebhook } from '../../../functions/src/triggers/twilioWebhook';
import { type LiveConversation, orderedMessages } from '@aurora/model';
import { memoryDeps } from '../../helpers/fakes';
import { callSid } from '../../helpers/fixtures';

const CALL_ID = 'call_15550100001_20251004_143000';
const CONV_ID = 'conv_15550100001_20251004_143000';
const ANA = { id: 'ana@site.example' };
const TO = '+15557654321';
const LEG = `CA${'b'.repeat(32)}`;
const EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

/** A call Ana has taken and bridged to TO; the caller registered in `language` (or the site's). */
async function bridged(language?: string) {
  const world = memoryDeps({
    workers: {
      findByPhone: async () => ({
        workerId: 'worker_005',
        name: 'Lena Fischer',
        ...(language ? { language } : {}),
      }),
    },
  });
  await startCall({ callSid: callSid(1), from: '+15550100001' }, world.deps);
  world.clock.advance(5000);
  expect(await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps)).toMatchObject({
    ok: true,
  });
  expect(
    await controlCall({ action: 'bridge', callId: CALL_ID, to: TO }, ANA, world.deps),
  ).toMatchObject({ ok: true });
  world.clock.advance(5000);
  const transcript = async () =>
    orderedMessages((await world.live.get(`active_conversations/${CONV_ID}`)) as LiveConversation);
  const call = async () =>
    (await world.live.get(`active_calls/${CALL_ID}`)) as Record<string, unknown>;
  return { ...world, transcript, call };
}

const result = (
  dialStatus: Parameters<typeof dialResult>[0]['dialStatus'],
  extra: Partial<Parameters<typeof dialResult>[0]> = {},
) => ({
  callSid: callSid(1),
  callHint: CALL_ID,
  to: TO,
  dialStatus,
  callStatus: 'in-progress',
  ...extra,
});

describe('dialResult', () => {
  it.each(['busy', 'no-answer', 'failed', 'canceled'] as const)(
    'brings the caller back when the bridge was not answered (%s)',
    async (status) => {
      const { deps, transcript, call } = await bridged('de-DE');
      const twiml = await dialResult(result(status), deps);
      // In the caller's language, then a Gather that hears German, posting the next turn for this
      // call, which the supervisor who bridged it still holds.
      expect(twiml).toMatch(
        /^<\?xml version="1.0" encoding="UTF-8"\?><Response><Gather input="speech" action="https:\/\/aurora\.example\.com\/twilio\/turn\?call=call_15550100001_20251004_143000&amp;g=[0-9a-z]+&amp;held=1" method="POST" actionOnEmptyResult="true" language="de-DE"/,
      );
      expect(twiml).toContain(
        '<Say voice="Polly.Vicki" language="de-DE">Niemand hat abgenommen. Bleiben Sie in der Leitung, wir sind weiter für Sie da.</Say></Gather></Response>',
      );
      expect(twiml).not.toContain('<Hangup');
      expect((await transcript()).at(-1)).toMatchObject({
        role: 'system',
        content: `The bridge to ${TO} was not answered (${status}). The caller is back on the line.`,
      });
      expect(await call()).toMatchObject({ status: 'ACTIVE', mode: 'human', admin_id: ANA.id });
    },
  );

  it('keeps the supervisor holding the call: the caller’s next words are recorded, not answered by Aurora', async () => {
    const { deps, transcript } = await bridged();
    const back = await dialResult(result('no-answer'), deps);
    // The Gather says the call is held, for a turn the database cannot tell (core/twiml.ts NextTurn.held).
    expect(back).toContain('held=1');
    const turn = await takeTurn(
      {
        callSid: callSid(1),
        speech: 'nobody picked up, the fire is spreading',
        silentTurns: 0,
        callHint: CALL_ID,
      },
      deps,
    );
    expect(turn).not.toContain('<Say');
    expect((await transcript()).at(-1)).toMatchObject({
      role: 'user',
      content: 'nobody picked up, the fire is spreading',
    });
  });

  it('brings the caller back after a bridged conversation ends, and says how long it lasted', async () => {
    const { deps, transcript, call } = await bridged();
    expect(
      await screenAnswer(
        { legSid: LEG, parentSid: callSid(1), callHint: CALL_ID, to: TO, digits: '1' },
        deps,
      ),
    ).toBe(EMPTY);
    expect(await call()).toMatchObject({ bridge_accepted: LEG });
    expect((await transcript()).at(-1)).toMatchObject({
      role: 'system',
      content: `${TO} accepted the bridge; the caller is connected.`,
    });

    const twiml = await dialResult(
      result('completed', { dialCallSid: LEG, durationSeconds: 95 }),
      deps,
    );
    expect(twiml).toContain(
      '<Say>The other call has ended. Stay on the line, we are still with you.</Say></Gather>',
    );
    expect(twiml).toContain(`/twilio/turn?call=${CALL_ID}`);
    expect((await transcript()).at(-1)).toMatchObject({
      role: 'system',
      content: `The bridged call to ${TO} ended after 95 s. The caller is back on the line.`,
    });
    expect(await call()).toMatchObject({ mode: 'human', admin_id: ANA.id });
    expect((await call()).bridge_accepted).toBeUndefined(); // a later bridge starts clean
  });

  it('reads a completed leg nobody accepted at the screening (a refusal, or a voicemail box) as not answered', async () => {
    const { deps, transcript, call } = await bridged();
    expect(
      await screenAnswer(
        { legSid: LEG, parentSid: callSid(1), callHint: CALL_ID, to: TO, digits: '9' },
        deps,
      ),
    ).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Goodbye.</Say><Hangup/></Response>',
    );
    expect((await call()).bridge_accepted).toBeUndefined();
    const twiml = await dialResult(
      result('completed', { dialCallSid: LEG, durationSeconds: 12 }),
      deps,
    );
    expect(twiml).toContain('<Say>Nobody answered. Stay on the line, we are still with you.</Say>');
    expect((await transcript()).at(-1)).toMatchObject({
      content: `The bridge to ${TO} was not answered (not accepted at the prompt). The caller is back on the line.`,
    });
  });

  it('changes nothing for a call that is not live, and never hangs up a caller Twilio says is still on the line', async () => {
    const { deps, live } = memoryDeps();
    const twiml = await dialResult(
      result('no-answer', { callSid: callSid(9), callHint: undefined }),
      deps,
    );
    expect(twiml).toContain('<Gather'); // Twilio's own CallStatus says in-progress: listened to, not hung up on
    expect(live.tree).toEqual({});

    const world = await bridged();
    await world.live.update({ [`active_calls/${CALL_ID}/status`]: 'ENDED' });
    const before = structuredClone(world.live.tree);
    expect(await dialResult(result('no-answer'), world.deps)).toContain('<Gather');
    expect(world.live.tree).toEqual(before);
    expect(await dialResult(result('no-answer', { callStatus: 'completed' }), world.deps)).toBe(
      EMPTY,
    ); // the caller has gone
  });

  it('notes a caller who hung up during the bridge, and says nothing to anyone', async () => {
    const { deps, transcript } = await bridged();
    expect(await dialResult(result('no-answer', { callStatus: 'completed' }), deps)).toBe(EMPTY);
    expect((await transcript()).at(-1)).toMatchObject({
      role: 'system',
      content: `The caller hung up during the bridge to ${TO}.`,
    });
  });

  it('listens to the caller again even when the database cannot be read or written', async () => {
    const { deps, live } = await bridged();
    live.failNextUpdates = 5;
    const written = await dialResult(result('busy'), deps);
    expect(written).toContain('Nobody answered.');
    expect(written).toContain('<Gather');

    const down: LiveDb = {
      get: () => Promise.reject(new Error('database unavailable')),
      update: () => Promise.reject(new Error('down')),
      transact: () => Promise.reject(new Error('down')),
    };
    const unread = await dialResult(result('busy'), { ...deps, live: down });
    expect(unread).toContain(
      '<Say>Nobody answered. Stay on the line, we are still with you.</Say>',
    );
    expect(unread).toContain(`/twilio/turn?call=${CALL_ID}`);
    // A bridge is placed only on a held call: unread, the Gather still says it is held.
    expect(unread).toContain('held=1');
  });
});

describe('the screening', () => {
  it('asks the called person to press 1, posting the key back for the call', async () => {
    const { deps } = memoryDeps();
    expect(screenPrompt(deps, CALL_ID)).toContain(
      `<Gather numDigits="1" action="https://aurora.example.com/twilio/screen?call=${CALL_ID}&amp;step=answer">`,
    );
  });

  it('connects the called person who pressed 1 even when that cannot be recorded', async () => {
    const { deps } = await bridged();
    const down: LiveDb = {
      get: () => Promise.reject(new Error('down')),
      update: () => Promise.reject(new Error('down')),
      transact: () => Promise.reject(new Error('down')),
    };
    expect(
      await screenAnswer(
        { legSid: LEG, parentSid: callSid(1), callHint: CALL_ID, digits: '1' },
        { ...deps, live: down },
      ),
    ).toBe(EMPTY);
  });

  it('does not record an acceptance on a call the leg is not a child of', async () => {
    const { deps, call } = await bridged();
    expect(
      await screenAnswer(
        { legSid: LEG, parentSid: callSid(7), callHint: CALL_ID, digits: '1' },
        deps,
      ),
    ).toBe(EMPTY);
    expect((await call()).bridge_accepted).toBeUndefined();
  });
});

describe('the bridge webhooks', () => {
  const TOKEN = 'test-token';
  const BASE = 'https://aurora.example.com';

  async function post(
    webhook: typeof dialWebhook | typeof screenWebhook,
    path: string,
    body: Record<string, string>,
    deps: ReturnType<typeof memoryDeps>['deps'],
  ) {
    const handle = twilioWebhook(
      webhook as typeof dialWebhook,
      () => TOKEN,
      () => deps,
    );
    const signature = twilioWebhooks.getExpectedTwilioSignature(TOKEN, `${BASE}${path}`, body);
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
        originalUrl: path,
        get: (h: string) => (h === 'X-Twilio-Signature' ? signature : undefined),
      } as never,
      res as never,
    );
    return res;
  }

  it('take the signed <Dial action> from the URL the bridge gave, and refuse a malformed one', async () => {
    const { deps, transcript } = await bridged();
    const path = `/twilio/dial?call=${CALL_ID}&to=%2B15557654321`;
    const res = await post(
      dialWebhook,
      path,
      {
        CallSid: callSid(1),
        CallStatus: 'in-progress',
        DialCallStatus: 'no-answer',
        DialCallSid: LEG,
      },
      deps,
    );
    expect(res.code).toBe(200);
    expect(res.text).toContain('Nobody answered.');
    expect((await transcript()).at(-1)).toMatchObject({
      content: `The bridge to ${TO} was not answered (no-answer). The caller is back on the line.`,
    });
    expect((await post(dialWebhook, path, { CallSid: callSid(1) }, deps)).code).toBe(400);
    expect(
      (await post(dialWebhook, path, { CallSid: callSid(1), DialCallStatus: '<b>' }, deps)).code,
    ).toBe(400);
    // A status Twilio may add one day still brings the caller back, as a failed dial.
    const unknown = await post(
      dialWebhook,
      path,
      { CallSid: callSid(1), DialCallStatus: 'rerouted' },
      deps,
    );
    expect(unknown.text).toContain('Nobody answered.');
    expect((await transcript()).at(-1)).toMatchObject({
      content: `The bridge to ${TO} was not answered (failed). The caller is back on the line.`,
    });
  });

  it('serve the screening prompt, then connect on 1', async () => {
    const { deps, call } = await bridged();
    const prompt = await post(
      screenWebhook,
      `/twilio/screen?call=${CALL_ID}`,
      { CallSid: LEG, ParentCallSid: callSid(1), To: TO },
      deps,
    );
    expect(prompt.text).toContain('Press 1 to accept.');
    const answer = await post(
      screenWebhook,
      `/twilio/screen?call=${CALL_ID}&step=answer`,
      { CallSid: LEG, ParentCallSid: callSid(1), To: TO, Digits: '1' },
      deps,
    );
    expect(answer.text).toBe(EMPTY);
    expect(await call()).toMatchObject({ bridge_accepted: LEG });
  });
});
