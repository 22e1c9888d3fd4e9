/**
 * The use cases over the real adapters: the Admin SDK against the local Realtime Database and
 * the official Firestore emulator. Tasks are run by hand so each race can be staged exactly.
 */
import { describe, expect, it } from 'vitest';
import { archiveCall, purgeCall } from '../../functions/src/calls/archival';
import { handleStatus } from '../../functions/src/calls/endCall';

import { startCall } from '../../functions/src/calls/startCall';
import { sweepCalls } from '../../functions/src/calls/sweepCalls';
import { takeTurn } from '../../functions/src/calls/takeTurn';
import { controlCall } from '../../functions/src/calls/controlCall';
import { AuroraError } from '../../functions/src/core/errors';
import { callIds, callbackArchiveIds } from '../../functions/src/core/ids';
import { planArchive } from '../../functions/src/core/archiveDocs';
import { firestoreArchive } from '../../functions/src/adapters/archiveStore';
import type { Reply } from '../../functions/src/assistant/responder';
import type { MemoryVoice } from '../helpers/fakes';
import { SETTINGS, aLiveCall, aMessage } from '../helpers/fixtures';
import { eventually, freshCaller, realDeps, testClients } from '../helpers/stack';

const { db, firestore } = testClients();

/**
 * A call started over the real adapters from a fresh caller number and CallSid, so tests never
 * share records; with its deps, queue, clock and ids.
 */
async function startedCall(clockStart?: string) {
  const { from, callSid } = freshCaller('+1444');
  const { deps, queue, clock } = realDeps({}, clockStart);
  await startCall({ callSid, from }, deps);
  return { deps, queue, clock, callSid, ...callIds(from, clock(), SETTINGS.timeZone) };
}

async function liveState(callId: string, conversationId: string) {
  const [call, conversation] = await Promise.all([
    db.ref(`active_calls/${callId}`).get(),
    db.ref(`active_conversations/${conversationId}`).get(),
  ]);
  return { call: call.val(), conversation: conversation.val() };
}

const ANA = { id: 'ana@site.example' };

describe('a hang-up in the middle of a turn', () => {
  it('holds the purge until the turn is written, then archives the whole transcript', async () => {
    const { deps, queue, callSid, callId, conversationId } = await startedCall();

    let release: ((reply: Reply) => void) | undefined;
    deps.responder = { respond: () => new Promise<Reply>((resolve) => (release = resolve)) };
    const turn = takeTurn({ callSid, speech: 'the roof is collapsing', silentTurns: 0 }, deps);
    // Waits for the state the race needs, not for a time: a loaded machine can take longer than any sleep.
    await eventually("the caller's words written and the model thinking", async () => {
      const { conversation } = await liveState(callId, conversationId);
      const said = Object.values(conversation?.messages ?? {}).some(
        (m) => (m as { role: string }).role === 'user',
      );
      return said && release !== undefined;
    });

    expect(await handleStatus({ callSid, callStatus: 'completed' }, deps)).toBe('end');
    await archiveCall(queue.drain()[0], deps);
    const purge = queue.drain()[0];
    await expect(purgeCall(purge, deps)).rejects.toBeInstanceOf(AuroraError);
    expect((await liveState(callId, conversationId)).call).not.toBeNull();

    release!({
      text: 'Get out from under the roof now and call emergency services.',
      urgency: 'CRITICAL',
      sources: ['Rescue'],
    });
    await turn;
    await controlCall({ action: 'ack', callId }, ANA, deps); // a CRITICAL call stays live until a supervisor has seen it
    expect(await purgeCall(purge, deps)).toBe('rearchive');
    await queue.runAll(deps);

    const conversation = (
      await firestore.collection('conversations').doc(conversationId).get()
    ).data()!;
    expect(conversation.messages.map((m: { role: string }) => m.role)).toEqual([
      'assistant',
      'user',
      'assistant',
    ]);
    expect(conversation.messages[2].content).toMatch(/Get out from under the roof/);
    expect((await firestore.collection('calls').doc(callId).get()).get('urgency')).toBe('CRITICAL');
    expect(await liveState(callId, conversationId)).toEqual({ call: null, conversation: null });
  });
});

describe('archival against Firestore', () => {
  it('spills a transcript too large for one document into pages and purges only once all are held', async () => {
    const { deps, queue, clock, callSid, callId, conversationId } = await startedCall();
    const long = 'I am describing the whole plant in detail. '.repeat(1200); // about 50 kB per turn
    for (let i = 0; i < 24; i++) {
      clock.advance(1000);
      await takeTurn({ callSid, speech: `${i} ${long}`.slice(0, 2000), silentTurns: 0 }, deps);
      await db
        .ref(`active_conversations/${conversationId}/messages/zz${String(i).padStart(3, '0')}`)
        .set({
          role: 'user',
          content: `${i} ${long}`,
          timestamp: new Date().toISOString(),
          sources: '',
        });
    }
    await handleStatus({ callSid, callStatus: 'completed' }, deps);
    await queue.runAll(deps);

    const conversation = await firestore.collection('conversations').doc(conversationId).get();
    expect(conversation.get('messages')).toEqual([]);
    expect(conversation.get('total_messages')).toBe(1 + 24 * 3);
    expect(conversation.get('message_pages')).toBeGreaterThan(1);
    const archived = await deps.archive.readMessages(conversationId);
    expect(archived).toHaveLength(1 + 24 * 3);
    expect(await liveState(callId, conversationId)).toEqual({ call: null, conversation: null });
  });

  it('re-archiving keeps what admins wrote on the archived call', async () => {
    const { deps, queue, clock, callSid, callId, conversationId } = await startedCall();
    // A turn is in flight at hang-up, so the archive task leaves the purge to the purge queue.
    await db
      .ref(`active_calls/${callId}/turn_started_at`)
      .set(new Date(clock().getTime()).toISOString());
    await handleStatus({ callSid, callStatus: 'completed' }, deps);
    await archiveCall(queue.drain()[0], deps);
    await firestore
      .collection('calls')
      .doc(callId)
      .update({ admin_notes: 'Fire brigade attended', final_action: 'escalated' });
    // The turn's reply lands after the archive; the turn ends.
    await db
      .ref(`active_conversations/${conversationId}/messages/zzz`)
      .set({ role: 'assistant', content: 'late', timestamp: 't', sources: '' });
    await db.ref(`active_calls/${callId}/turn_started_at`).remove();
    await queue.runAll(deps);
    const call = (await firestore.collection('calls').doc(callId).get()).data()!;
    expect(call).toMatchObject({
      admin_notes: 'Fire brigade attended',
      final_action: 'escalated',
      status: 'COMPLETE',
    });
    expect(
      (await firestore.collection('conversations').doc(conversationId).get()).get('total_messages'),
    ).toBe(2);
    expect(await liveState(callId, conversationId)).toEqual({ call: null, conversation: null });
  });
});

describe('a turn that arrives after the call was archived and purged', () => {
  it('is appended to the archived transcript, inline or as a new page', async () => {
    const { deps, queue, callSid, callId, conversationId } = await startedCall();
    await takeTurn(
      { callSid, speech: 'fire in the paint store', silentTurns: 0, callHint: callId },
      deps,
    );
    await controlCall({ action: 'ack', callId }, ANA, deps);
    await handleStatus({ callSid, callStatus: 'completed' }, deps);
    await queue.runAll(deps);
    expect(await liveState(callId, conversationId)).toEqual({ call: null, conversation: null });

    await takeTurn(
      { callSid, speech: 'the door is jammed', silentTurns: 0, callHint: callId },
      deps,
    );
    const messages = await deps.archive.readMessages(conversationId);
    expect(messages!.map((m) => m.role)).toEqual([
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    expect(messages![3]!.content).toBe('the door is jammed');
    expect(
      (await firestore.collection('conversations').doc(conversationId).get()).get('total_messages'),
    ).toBe(5);
    expect(await liveState(callId, conversationId)).toEqual({ call: null, conversation: null });
  });
});

describe('the sweeper against the Realtime Database', () => {
  it('ends a call whose status callback never came, and it is then archived', async () => {
    const { deps, queue, clock, callId, callSid, conversationId } =
      await startedCall('2020-01-01T00:00:00Z');
    clock.advance(31 * 60_000);
    (deps.voice as MemoryVoice).gone.add(callSid); // Twilio says it is over: its status callback was lost
    const actions = await sweepCalls(deps);
    expect(actions.filter((a) => a.callId === callId).map((a) => a.kind)).toEqual(['end-stale']);
    expect((await db.ref(`active_calls/${callId}/end_reason`).get()).val()).toBe('stale');
    // Only this test's call: other live calls in the database belong to other tests.
    queue.tasks = queue.tasks.filter((t) => t.callId === callId);
    await queue.runAll(deps);
    expect((await firestore.collection('calls').doc(callId).get()).get('end_reason')).toBe('stale');
    expect(await liveState(callId, conversationId)).toEqual({ call: null, conversation: null });
  });
});

describe('two admins taking one call at the same moment', () => {
  it('gives it to exactly one of them', async () => {
    const { deps, callId } = await startedCall();
    const results = await Promise.all(
      ['ana@site.example', 'ben@site.example', 'cy@site.example'].map((id) =>
        controlCall({ action: 'take', callId }, { id }, deps),
      ),
    );
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const holder = (await liveState(callId, callId.replace(/^call_/, 'conv_'))).call
      .admin_id as string;
    for (const lost of results.filter((r) => !r.ok))
      expect(lost).toEqual({
        ok: false,
        code: 'failed-precondition',
        message: `${holder} has taken this call.`,
      });
  });
});

describe('one archive per CallSid, in Firestore', () => {
  it("writes no stand-in from a status callback beside the call's own archive, and the call's own archive replaces an earlier stand-in", async () => {
    const archive = firestoreArchive(firestore);
    const callsFor = async (callSid: string) =>
      (await firestore.collection('calls').where('call_sid', '==', callSid).get()).docs.map(
        (d) => d.id,
      );
    const planFor = (callId: string, callSid: string, from: string) =>
      planArchive(
        callId,
        aLiveCall({
          call_sid: callSid,
          mobile_no: from,
          conversation_id: callId.replace(/^call_/, 'conv_'),
          status: 'ENDED',
        }),
        {
          call_id: callId,
          messages: { a: aMessage({ role: 'assistant', content: 'greeting' }) },
        },
      );
    for (const order of ['own first', 'stand-in first'] as const) {
      const { from, callSid } = freshCaller('+1445');
      const own = planFor(callIds(from, new Date(), SETTINGS.timeZone).callId, callSid, from);
      const standIn = planFor(callbackArchiveIds(callSid, from).callId, callSid, from);
      if (order === 'own first') {
        expect(await archive.write(own)).toBe('written');
        expect(await archive.write(standIn)).toBe('unchanged');
      } else {
        expect(await archive.write(standIn)).toBe('written');
        expect(await archive.write(own)).toBe('written');
      }
      expect(await callsFor(callSid)).toEqual([own.callId]);
    }
  });
});
