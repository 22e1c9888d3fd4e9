import { describe, expect, it } from 'vitest';
import { controlCall } from '../../../functions/src/calls/controlCall';
import { handleStatus } from '../../../functions/src/calls/endCall';
import { startCall } from '../../../functions/src/calls/startCall';
import { takeTurn } from '../../../functions/src/calls/takeTurn';
import { AuroraError, NotConfigured } from '../../../functions/src/core/errors';
import { MAX_UPDATE_TWIML_CHARS } from '../../../functions/src/core/twiml';
import {
  CallAction,
  type LiveConversation,
  MAX_SPOKEN_CHARS,
  orderedMessages,
} from '@aurora/model';
import { memoryDeps } from '../../helpers/fakes';
import { callSid } from '../../helpers/fixtures';

const CALL_ID = 'call_15550100001_20251004_143000';
const CONV_ID = 'conv_15550100001_20251004_143000';
const ANA = { id: 'ana@site.example' };
const BEN = { id: 'ben@site.example' };

async function liveCall() {
  const world = memoryDeps();
  await startCall({ callSid: callSid(1), from: '+15550100001' }, world.deps);
  const transcript = async () =>
    orderedMessages((await world.live.get(`active_conversations/${CONV_ID}`)) as LiveConversation);
  const call = async () =>
    (await world.live.get(`active_calls/${CALL_ID}`)) as Record<string, unknown>;
  return { ...world, transcript, call };
}

describe('controlCall', () => {
  it('takes the call: the AI stops answering and the caller hears that a supervisor joined', async () => {
    const { deps, voice, call, transcript } = await liveCall();
    expect(await controlCall({ action: 'take', callId: CALL_ID }, ANA, deps)).toEqual({
      ok: true,
      reached: true,
    });
    expect(await call()).toMatchObject({ mode: 'human', admin_id: ANA.id });
    expect(voice.sent).toEqual([
      { callSid: callSid(1), twiml: expect.stringContaining('A safety supervisor has joined') },
    ]);
    expect(voice.sent[0].twiml).toContain(`/twilio/turn?call=${CALL_ID}`);
    expect((await transcript()).at(-1)).toMatchObject({
      role: 'system',
      content: `${ANA.id} took over the call.`,
    });

    const twiml = await takeTurn(
      { callSid: callSid(1), speech: 'the pump is on fire', silentTurns: 0, callHint: CALL_ID },
      deps,
    );
    expect(twiml).not.toContain('<Say>');
    expect((await transcript()).at(-1)).toMatchObject({
      role: 'user',
      content: 'the pump is on fire',
    });
  });

  // The Gather Twilio runs says who held the call when it was given: every take and hand-back
  // replaces it. It decides only when the database cannot say (the take above is recorded there).
  it("keeps Aurora silent on a held call when the database refuses the whole turn: the take's Gather says it is held", async () => {
    const { deps, live, voice, queue } = await liveCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, deps);
    const action = /action="([^"]+)"/.exec(voice.sent.at(-1)!.twiml!)![1].replaceAll('&amp;', '&');
    expect(new URL(action).searchParams.get('held')).toBe('1');
    const refuseAll = () => Promise.reject(new Error('database unavailable'));
    deps.live = { get: refuseAll, update: refuseAll, transact: refuseAll };
    const twiml = await takeTurn(
      {
        callSid: callSid(1),
        speech: 'the pump is on fire',
        silentTurns: 0,
        callHint: CALL_ID,
        heldHint: new URL(action).searchParams.get('held') === '1',
      },
      deps,
    );
    expect(twiml).not.toContain('<Say');
    // The next Gather still says so; the caller's words wait in the queue for the database.
    expect(twiml).toContain('held=1');
    expect(queue.words.map((w) => w.task.lines.map((l) => l.content))).toEqual([
      ['the pump is on fire'],
    ]);
    deps.live = live;
    await controlCall({ action: 'release', callId: CALL_ID }, ANA, deps);
    expect(voice.sent.at(-1)!.twiml).not.toContain('held=1');
  }, 20_000);

  it('speaks what the admin types and records it as an admin message', async () => {
    const { deps, voice, transcript } = await liveCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, deps);
    const result = await controlCall(
      { action: 'say', callId: CALL_ID, text: 'Walk to the east gate.' },
      ANA,
      deps,
    );
    expect(result).toEqual({ ok: true, reached: true });
    expect(voice.sent.at(-1)!.twiml).toMatch(
      /<Gather [^>]*><Say>Walk to the east gate.<\/Say><\/Gather>/,
    );
    expect((await transcript()).at(-1)).toMatchObject({
      role: 'admin',
      content: 'Walk to the east gate.',
    });
  });

  it('lets one admin at a time hold a call', async () => {
    const { deps, call } = await liveCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, deps);
    for (const action of [
      { action: 'take', callId: CALL_ID },
      { action: 'say', callId: CALL_ID, text: 'hello' },
      { action: 'release', callId: CALL_ID },
      { action: 'end', callId: CALL_ID },
    ] as CallAction[]) {
      expect(await controlCall(action, BEN, deps)).toEqual({
        ok: false,
        code: 'failed-precondition',
        message: `${ANA.id} has taken this call.`,
      });
    }
    expect(await call()).toMatchObject({ mode: 'human', admin_id: ANA.id, status: 'ACTIVE' });
    expect(await controlCall({ action: 'take', callId: CALL_ID }, ANA, deps)).toMatchObject({
      ok: true,
    });
  });

  it('hands the call back to Aurora, who answers again; anyone may take it next', async () => {
    const { deps, voice, call } = await liveCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, deps);
    await controlCall({ action: 'release', callId: CALL_ID }, ANA, deps);
    expect(await call()).toMatchObject({ mode: 'ai', admin_id: ANA.id });
    expect(voice.sent.at(-1)!.twiml).toContain('Aurora here again');
    const twiml = await takeTurn(
      { callSid: callSid(1), speech: 'there is smoke', silentTurns: 0, callHint: CALL_ID },
      deps,
    );
    expect(twiml).toContain('<Say>');
    expect(await controlCall({ action: 'take', callId: CALL_ID }, BEN, deps)).toMatchObject({
      ok: true,
    });
  });

  it('refuses to speak, bridge or hand back a call nobody has taken', async () => {
    const { deps, voice } = await liveCall();
    for (const action of [
      { action: 'say', callId: CALL_ID, text: 'hello' },
      { action: 'bridge', callId: CALL_ID, to: '+15557654321' },
      { action: 'release', callId: CALL_ID },
    ] as CallAction[]) {
      expect(await controlCall(action, ANA, deps)).toEqual({
        ok: false,
        code: 'failed-precondition',
        message: 'Take the call first.',
      });
    }
    expect(voice.sent).toEqual([]);
  });

  it('bridges the caller to a phone number: screened, and back to the caller however the leg ends', async () => {
    const { deps, voice, transcript } = await liveCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, deps);
    await controlCall({ action: 'bridge', callId: CALL_ID, to: '+15557654321' }, ANA, deps);
    // The <Dial action> brings the caller back (a dial without one ended the call on busy or no
    // answer); the <Number url> screening keeps a voicemail box from taking the call.
    expect(voice.sent.at(-1)!.twiml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Connecting you now. Stay on the line.</Say>' +
        `<Dial action="https://aurora.example.com/twilio/dial?call=${CALL_ID}&amp;to=%2B15557654321" timeLimit="3600" timeout="25">` +
        `<Number url="https://aurora.example.com/twilio/screen?call=${CALL_ID}">+15557654321</Number></Dial></Response>`,
    );
    expect((await transcript()).at(-1)).toMatchObject({
      role: 'system',
      content: `${ANA.id} bridged the caller to +15557654321.`,
    });
  });

  it('bridges only to the on-call numbers and the allowed numbers and prefixes (no toll fraud)', async () => {
    const { deps, voice } = await liveCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, deps);
    const sent = voice.sent.length;
    for (const to of ['+15550190002', '+15550180042'])
      expect(await controlCall({ action: 'bridge', callId: CALL_ID, to }, ANA, deps)).toEqual({
        ok: true,
        reached: true,
      });
    expect(
      await controlCall({ action: 'bridge', callId: CALL_ID, to: '+882345678901' }, ANA, deps),
    ).toEqual({
      ok: false,
      code: 'permission-denied',
      message:
        '+882345678901 is not a number supervisors may bridge to. Allowed: the on-call numbers and BRIDGE_NUMBERS.',
    });
    expect(voice.sent).toHaveLength(sent + 2);
  });

  it('never bridges because of an allow-list entry that matches every number (toll fraud)', async () => {
    for (const catchAll of ['*', '+*']) {
      const { deps, voice } = await liveCall();
      deps.settings = {
        ...deps.settings,
        bridge: { ...deps.settings.bridge, allowed: [catchAll] },
      };
      await controlCall({ action: 'take', callId: CALL_ID }, ANA, deps);
      const sent = voice.sent.length;
      expect(
        await controlCall({ action: 'bridge', callId: CALL_ID, to: '+882345678901' }, ANA, deps),
      ).toEqual({
        ok: false,
        code: 'permission-denied',
        message: `+882345678901 is not a number supervisors may bridge to. Allowed: the on-call numbers and BRIDGE_NUMBERS. BRIDGE_NUMBERS entries that match every number (${catchAll}) are ignored.`,
      });
      expect(voice.sent).toHaveLength(sent);
      // The on-call numbers are still allowed.
      expect(
        await controlCall({ action: 'bridge', callId: CALL_ID, to: '+15550190001' }, ANA, deps),
      ).toEqual({ ok: true, reached: true });
    }
  });

  it('keeps every call update within the TwiML Twilio accepts, whatever the procedure library holds', async () => {
    const huge = Array.from({ length: 400 }, (_, i) => ({
      id: `p${i}`,
      title: `Procedure ${i}`,
      urgency: 'NORMAL' as const,
      keywords: [`hazard-word-${i}`],
      guidance: 'Stay safe.',
    }));
    const { deps, voice } = await liveCall();
    deps.procedures = { all: async () => huge };
    expect(await controlCall({ action: 'take', callId: CALL_ID }, ANA, deps)).toEqual({
      ok: true,
      reached: true,
    });
    const worst = '&'.repeat(MAX_SPOKEN_CHARS); // every character escaped, five times its length
    expect(await controlCall({ action: 'say', callId: CALL_ID, text: worst }, ANA, deps)).toEqual({
      ok: true,
      reached: true,
    });
    expect(
      await controlCall({ action: 'bridge', callId: CALL_ID, to: '+15550180042' }, ANA, deps),
    ).toEqual({ ok: true, reached: true });
    expect(await controlCall({ action: 'release', callId: CALL_ID }, ANA, deps)).toEqual({
      ok: true,
      reached: true,
    });
    for (const { twiml } of voice.sent)
      expect(twiml!.length).toBeLessThanOrEqual(MAX_UPDATE_TWIML_CHARS);
  });

  it('leaves the call as it was, and says why, when Twilio refuses a take or a hand-back', async () => {
    const { deps, voice, call, transcript } = await liveCall();
    const before = await call();
    voice.refuseNext = new AuroraError(
      'Updating the call failed: Twilio error 32018: Twiml size exceeded maximum allowed value',
    );
    expect(await controlCall({ action: 'take', callId: CALL_ID }, ANA, deps)).toEqual({
      ok: false,
      code: 'failed-precondition',
      message:
        'Updating the call failed: Twilio error 32018: Twiml size exceeded maximum allowed value. Nothing changed on the call.',
    });
    expect(await call()).toEqual(before);
    expect((await transcript()).map((m) => m.role)).toEqual(['assistant']);

    await controlCall({ action: 'take', callId: CALL_ID }, ANA, deps);
    voice.refuseNext = new AuroraError(
      'Updating the call failed: Twilio could not be reached (timeout)',
      { retryable: true },
    );
    expect(await controlCall({ action: 'release', callId: CALL_ID }, ANA, deps)).toMatchObject({
      ok: false,
      code: 'unavailable',
    });
    expect(await call()).toMatchObject({ mode: 'human', admin_id: ANA.id });
    voice.refuseNext = new AuroraError('Updating the call failed: HTTP 500', { retryable: true });
    expect(
      await controlCall({ action: 'say', callId: CALL_ID, text: 'Stay there.' }, ANA, deps),
    ).toMatchObject({ ok: false, code: 'unavailable' });
    expect((await transcript()).some((m) => m.content === 'Stay there.')).toBe(false);
  });

  it('reports an end Twilio refused as not done, and says so in the transcript', async () => {
    const { deps, voice, call, transcript } = await liveCall();
    voice.refuseNext = new NotConfigured(
      'Twilio is not configured on this deployment (TWILIO_ACCOUNT_SID is empty): nothing was sent to the call.',
    );
    expect(await controlCall({ action: 'end', callId: CALL_ID }, ANA, deps)).toMatchObject({
      ok: false,
      code: 'failed-precondition',
    });
    expect(await call()).toMatchObject({ status: 'ACTIVE' });
    expect((await transcript()).at(-1)!.content).toMatch(
      /^Ending the call failed: Twilio is not configured/,
    );
  });

  it('ends the call at Twilio, whose status callback then ends and archives it', async () => {
    const { deps, voice, call, queue } = await liveCall();
    expect(await controlCall({ action: 'end', callId: CALL_ID }, ANA, deps)).toEqual({
      ok: true,
      reached: true,
    });
    expect(voice.sent).toEqual([{ callSid: callSid(1), hangUp: true }]);
    expect(await call()).toMatchObject({ status: 'ACTIVE' });
    await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
    await queue.runAll(deps);
    expect(await call()).toBeNull();
  });

  it('ends and archives a call Twilio no longer has, since no status callback will come', async () => {
    const { deps, voice, call, queue, archive } = await liveCall();
    voice.gone.add(callSid(1));
    expect(await controlCall({ action: 'end', callId: CALL_ID }, ANA, deps)).toEqual({
      ok: true,
      reached: false,
    });
    expect(await call()).toMatchObject({ status: 'ENDED', end_reason: 'ended-by-admin' });
    await queue.runAll(deps);
    expect(await call()).toBeNull();
    expect(archive.plans.get(CONV_ID)!.conversation.messages.at(-1)).toMatchObject({
      role: 'system',
      content: `${ANA.id} ended the call.`,
    });
  });

  it('records nothing when the caller has already hung up', async () => {
    const { deps, voice, transcript } = await liveCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, deps);
    voice.gone.add(callSid(1));
    const before = await transcript();
    expect(
      await controlCall({ action: 'say', callId: CALL_ID, text: 'hello?' }, ANA, deps),
    ).toEqual({
      ok: false,
      code: 'failed-precondition',
      message: 'The caller is no longer connected.',
    });
    expect(await transcript()).toEqual(before);
  });

  it('refuses unknown and ended calls', async () => {
    const { deps } = await liveCall();
    expect(
      await controlCall({ action: 'take', callId: 'call_15550100009_20251004_143000' }, ANA, deps),
    ).toMatchObject({ ok: false, code: 'not-found' });
    await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
    expect(await controlCall({ action: 'take', callId: CALL_ID }, ANA, deps)).toEqual({
      ok: false,
      code: 'failed-precondition',
      message: 'This call has ended.',
    });
  });
});

describe('CallAction', () => {
  it('accepts well-formed actions and rejects the rest', () => {
    expect(
      CallAction.safeParse({ action: 'say', callId: CALL_ID, text: '  Leave now.  ' }).data,
    ).toEqual({ action: 'say', callId: CALL_ID, text: 'Leave now.' });
    for (const bad of [
      {},
      { action: 'take' },
      { action: 'take', callId: '../active_calls' },
      { action: 'say', callId: CALL_ID, text: '   ' },
      { action: 'say', callId: CALL_ID, text: 'x'.repeat(601) },
      { action: 'bridge', callId: CALL_ID, to: '5557654321' },
      { action: 'explode', callId: CALL_ID },
    ]) {
      expect(CallAction.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
