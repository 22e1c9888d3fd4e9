/**
 * Whole calls through the public webhook paths (Hosting rewrites to the functions emulator),
 * signed as Twilio signs them, with archival and purge running on the tasks emulator.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { SimulatedCall, newCallSid, postSigned } from '../../scripts/lib/twilio-sim.ts';
import {
  SIM,
  acknowledge,
  archivedAndPurged,
  eventually,
  liveCallIdFor,
  newCall,
  testClients,
} from '../helpers/stack';

const { db, firestore } = testClients();

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;

/**
 * Which live records exist. Other files' calls may still change meanwhile (their escalation
 * timers, the fan-out's alerts), so "nothing changed" is judged by the records a webhook creates.
 */
async function liveRecordIds() {
  const keys = async (path: string) =>
    Object.keys(((await db.ref(path).get()).val() as object | null) ?? {}).sort();
  return JSON.stringify({
    calls: await keys('active_calls'),
    conversations: await keys('active_conversations'),
    callSids: await keys('call_sids'),
  });
}

/** One call's live records, exactly. */
async function recordsOf(callId: string) {
  const [call, conversation] = await Promise.all([
    db.ref(`active_calls/${callId}`).get(),
    db.ref(`active_conversations/${callId.replace(/^call_/, 'conv_')}`).get(),
  ]);
  return JSON.stringify({ call: call.val(), conversation: conversation.val() });
}

describe('a call, end to end', () => {
  it('is live in the seed schema while it lasts and archived in seed shape after, with nothing left live', async () => {
    const call = newCall('+15550100001');
    const greeting = await call.ring();
    expect(greeting.status).toBe(200);
    expect(greeting.said[0]).toContain('Priya Nair');

    const reply = await call.say("There's a fire in Zone A");
    expect(reply.said[0]).toMatch(/Leave the area now/);
    await call.say('My colleague is hurt');

    const callId = (await liveCallIdFor(call.callSid))!;
    expect(callId).toMatch(/^call_15550100001_\d{8}_\d{6}$/);
    const live = (await db.ref(`active_calls/${callId}`).get()).val();
    expect(live).toMatchObject({
      worker_id: 'worker_001',
      mobile_no: '+15550100001',
      conversation_id: callId.replace(/^call_/, 'conv_'),
      urgency: 'CRITICAL',
      status: 'ACTIVE',
      medium: 'Voice',
      call_sid: call.callSid,
      mode: 'ai',
    });
    expect(live.timestamp).toMatch(ISO_WITH_OFFSET);
    expect(live.last_message_at).toMatch(ISO_WITH_OFFSET);

    expect((await call.status('completed')).status).toBe(200);
    await acknowledge(callId);
    const { call: archivedCall, conversation } = await archivedAndPurged(
      callId,
      live.conversation_id,
    );

    expect(archivedCall).toMatchObject({
      worker_id: 'worker_001',
      mobile_no: '+15550100001',
      conversation_id: live.conversation_id,
      urgency: 'CRITICAL',
      status: 'COMPLETE',
      medium: 'Voice',
      final_action: null,
      admin_id: null,
      admin_notes: '',
      end_reason: 'completed',
    });
    expect(archivedCall.duration_seconds).toEqual(expect.any(Number));
    expect(archivedCall.timestamp).toBeInstanceOf(Timestamp);
    expect(archivedCall.resolved_at).toBeInstanceOf(Timestamp);
    expect(conversation.call_id).toBe(callId);
    expect(conversation.archived_at).toBeInstanceOf(Timestamp);
    expect(conversation.total_messages).toBe(5);
    expect(conversation.messages.map((m: { role: string }) => m.role)).toEqual([
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    expect(conversation.messages[1]).toEqual({
      role: 'user',
      content: "There's a fire in Zone A",
      timestamp: expect.stringMatching(ISO_WITH_OFFSET),
      sources: '',
    });
    expect(conversation.messages[2].sources).toBe('Fire and Explosion Response (EP-01)');
    // The CallSid index stays a day as the call's tombstone, so a replayed webhook creates nothing.
    expect(await liveCallIdFor(call.callSid)).toBe(callId);
    expect((await db.ref(`active_calls/${callId}`).get()).exists()).toBe(false);
  });

  it('helps a caller the registry does not know', async () => {
    const call = newCall('+15557770000');
    expect((await call.ring()).said[0]).toMatch(/^This is Aurora/);
    const callId = (await liveCallIdFor(call.callSid))!;
    expect((await db.ref(`active_calls/${callId}/worker_id`).get()).val()).toBe('unknown');
    await call.status('completed');
    await acknowledge(callId);
    await archivedAndPurged(callId, callId.replace(/^call_/, 'conv_'));
  });

  it('reprompts on silence and, after three silent turns, says goodbye and hangs up', async () => {
    const call = newCall();
    await call.ring();
    expect((await call.say('')).said[0]).toMatch(/did not hear/);
    expect((await call.say('')).said[0]).toMatch(/did not hear/);
    const last = await call.say('');
    expect(last.hungUp).toBe(true);
    const callId = (await liveCallIdFor(call.callSid))!;
    await call.status('completed');
    await acknowledge(callId);
    const { conversation } = await archivedAndPurged(callId, callId.replace(/^call_/, 'conv_'));
    expect(conversation.total_messages).toBe(4);
  });
});

describe('bad webhooks get a 4xx and change nothing', () => {
  it('rejects unsigned, forged and tampered requests with 403', async () => {
    const before = await liveRecordIds();
    const params = {
      CallSid: newCallSid(),
      From: '+15550100001',
      To: '+15550199999',
      CallStatus: 'ringing',
    };
    const url = `${SIM.baseUrl}/twilio/voice`;
    expect((await postSigned(SIM, url, params, null)).status).toBe(403);
    expect((await postSigned({ ...SIM, authToken: 'forged' }, url, params)).status).toBe(403);
    const honest = await postSigned(SIM, `${SIM.baseUrl}/twilio/status`, {
      CallSid: params.CallSid,
      CallStatus: 'completed',
    });
    expect(honest.status).toBe(200);
    // A signature lifted from one request and replayed on another body or path.
    const lifted = await postSigned(SIM, url, params, 'bm90IGEgcmVhbCBzaWduYXR1cmU=');
    expect(lifted.status).toBe(403);
    expect(await liveRecordIds()).toBe(before);
  });

  it('rejects a tampered turn, a malformed body and oversize speech, leaving the transcript as it was', async () => {
    const call = newCall();
    const greeting = await call.ring();
    const callId = (await liveCallIdFor(call.callSid))!;
    const before = await recordsOf(callId);
    const turnUrl = greeting.gatherAction!;
    const base = { AccountSid: call.accountSid, CallSid: call.callSid };

    const tamperedSignatureFrom = await import('twilio/lib/webhooks/webhooks').then((w) =>
      w.default.getExpectedTwilioSignature(SIM.authToken, turnUrl, {
        ...base,
        SpeechResult: 'all is fine',
      }),
    );
    expect(
      (
        await postSigned(
          SIM,
          turnUrl,
          { ...base, SpeechResult: 'ignore this, the fire is out' },
          tamperedSignatureFrom,
        )
      ).status,
    ).toBe(403);
    expect(
      (await postSigned(SIM, turnUrl, { ...base, CallSid: 'CA-not-a-sid', SpeechResult: 'fire' }))
        .status,
    ).toBe(400);
    const oversize = await postSigned(SIM, turnUrl, {
      ...base,
      SpeechResult: 'fire '.repeat(1000),
    });
    expect(oversize.status).toBe(400);
    expect(oversize.body).toContain('SpeechResult');
    expect(
      (await postSigned(SIM, `${SIM.baseUrl}/twilio/status`, { ...base, CallStatus: 'exploded' }))
        .status,
    ).toBe(400);
    expect(await recordsOf(callId)).toBe(before);

    await call.status('completed');
    await acknowledge(callId);
    await archivedAndPurged(callId, callId.replace(/^call_/, 'conv_'));
  });

  it('records a call it never saw start from its first turn (a start the database missed), and archives it', async () => {
    const stranger = newCall();
    (stranger as unknown as { nextAction: string }).nextAction = `${SIM.baseUrl}/twilio/turn`;
    const turn = await stranger.say('there is a gas leak');
    expect(turn.status).toBe(200);
    expect(turn.said[0]).toMatch(/Move upwind/);
    const callId = (await liveCallIdFor(stranger.callSid))!;
    expect((await db.ref(`active_calls/${callId}`).get()).val()).toMatchObject({
      recorded_late: true,
      urgency: 'CRITICAL',
      call_sid: stranger.callSid,
    });
    expect((await stranger.status('completed')).status).toBe(200);
    await acknowledge(callId);
    const { call, conversation } = await archivedAndPurged(
      callId,
      callId.replace(/^call_/, 'conv_'),
    );
    expect(call.recorded_late).toBe(true);
    expect((conversation.messages as Array<{ role: string }>).map((m) => m.role)).toEqual([
      'assistant',
      'user',
      'assistant',
    ]);
  });
});

describe('status callbacks that repeat, race or come out of order', () => {
  it('archives exactly once for duplicate and out-of-order callbacks', async () => {
    const call = newCall();
    await call.ring();
    await call.say('chemical spill by the tanks');
    const callId = (await liveCallIdFor(call.callSid))!;
    const conversationId = callId.replace(/^call_/, 'conv_');

    const answers = await Promise.all(
      ['in-progress', 'completed', 'completed', 'ringing', 'busy', 'completed'].map((s) =>
        call.status(s),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    await acknowledge(callId);
    const { call: archived, conversation } = await archivedAndPurged(callId, conversationId);
    // Sent at once, they arrive in any order: the first terminal one to arrive ends the call.
    expect(['completed', 'busy']).toContain(archived.end_reason);
    expect(conversation.total_messages).toBe(3);

    // Late repeats after the purge find nothing and resurrect nothing.
    await call.status('completed');
    await call.status('in-progress');
    const again = await firestore.collection('conversations').doc(conversationId).get();
    expect(again.get('archived_at')).toEqual(conversation.archived_at);
    expect((await db.ref(`active_calls/${callId}`).get()).exists()).toBe(false);
    // The CallSid index stays a day as the call's tombstone, so a replayed webhook creates nothing.
    expect(await liveCallIdFor(call.callSid)).toBe(callId);
    expect((await db.ref(`active_calls/${callId}`).get()).exists()).toBe(false);
  });

  it("keeps the last turn when the status callback overtakes that turn's write", async () => {
    const call = newCall();
    await call.ring();
    const callId = (await liveCallIdFor(call.callSid))!;
    const conversationId = callId.replace(/^call_/, 'conv_');
    // The caller speaks and hangs up at once: Twilio's two requests race.
    const [statusAnswer, turn] = await Promise.all([
      call.status('completed'),
      call.say('someone is trapped in the silo'),
    ]);
    expect(statusAnswer.status).toBe(200);
    expect(turn.status).toBe(200);
    await acknowledge(callId);
    const { conversation } = await archivedAndPurged(callId, conversationId);
    const contents = conversation.messages.map((m: { content: string }) => m.content);
    expect(contents).toContain('someone is trapped in the silo');
    expect(conversation.total_messages).toBe(3);
  });
});

describe('replays change nothing', () => {
  it('a replayed turn is recorded once, live or archived; a replayed incoming call after the archive creates no call', async () => {
    const call = newCall('+15550100003');
    const greeting = await call.ring();
    const callId = (await liveCallIdFor(call.callSid))!;
    const conversationId = callId.replace(/^call_/, 'conv_');
    const turn = {
      CallSid: call.callSid,
      From: '+15550100003',
      CallStatus: 'in-progress',
      SpeechResult: 'the forklift tipped over on him',
      Confidence: '0.9',
    };
    const first = await postSigned(SIM, greeting.gatherAction!, turn);
    const replayed = await postSigned(SIM, greeting.gatherAction!, turn); // Twilio sends the same request again
    expect([first.status, replayed.status]).toEqual([200, 200]);
    expect(replayed.said).toHaveLength(1); // the caller is still answered
    const said = async () =>
      Object.values(
        ((await db.ref(`active_conversations/${conversationId}/messages`).get()).val() as Record<
          string,
          { content: string }
        >) ?? {},
      );
    expect((await said()).filter((m) => m.content === turn.SpeechResult)).toHaveLength(1);

    await call.status('completed');
    await acknowledge(callId);
    const { conversation } = await archivedAndPurged(callId, conversationId);
    await postSigned(SIM, greeting.gatherAction!, turn); // after the archive
    await postSigned(SIM, `${SIM.baseUrl}/twilio/voice`, {
      CallSid: call.callSid,
      From: '+15550100003',
      CallStatus: 'ringing',
    });
    const archived = (
      await firestore.collection('conversations').doc(conversationId).get()
    ).data()!;
    expect(archived.total_messages).toBe(conversation.total_messages);
    const live =
      ((await db.ref('active_calls').get()).val() as Record<string, { call_sid: string }> | null) ??
      {};
    expect(Object.values(live).filter((c) => c.call_sid === call.callSid)).toEqual([]);
  });
});

describe('a second call from the same number', () => {
  it('gets its own call while the first is still live', async () => {
    const first = newCall('+15550100002');
    const second = new SimulatedCall({ ...SIM, from: '+15550100002' });
    await Promise.all([first.ring(), second.ring()]);
    const [a, b] = [await liveCallIdFor(first.callSid), await liveCallIdFor(second.callSid)];
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(a).not.toBe(b);
    await Promise.all([first.status('completed'), second.status('completed')]);
    await acknowledge(a!);
    await archivedAndPurged(a!, a!.replace(/^call_/, 'conv_'));
    await acknowledge(b!);
    await archivedAndPurged(b!, b!.replace(/^call_/, 'conv_'));
  });
});

describe('the local tooling', () => {
  it('exposes only the public webhook paths through Hosting', async () => {
    const res = await fetch(`${SIM.baseUrl}/twilio/voice`);
    expect(res.status).toBe(405);
    await eventually('hosting index', async () => (await fetch(SIM.baseUrl)).ok);
  });
});
