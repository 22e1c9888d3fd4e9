import { describe, expect, it } from 'vitest';
import { archiveCall, purgeCall } from '../../../functions/src/calls/archival';
import { handleStatus } from '../../../functions/src/calls/endCall';

import { startCall } from '../../../functions/src/calls/startCall';
import { takeTurn } from '../../../functions/src/calls/takeTurn';
import { AuroraError } from '../../../functions/src/core/errors';
import { callSid, liveRecords, memoryDeps } from '../../helpers/fakes';

const CALL_ID = 'call_15550100001_20251004_143000';
const CONV_ID = 'conv_15550100001_20251004_143000';

describe('startCall', () => {
  it('creates the call, its conversation and the CallSid index in the seed schema', async () => {
    const { deps, live } = memoryDeps();
    const twiml = await startCall({ callSid: callSid(1), from: '+15550100001' }, deps);
    expect(twiml).toContain('Hello Priya Nair');
    expect(twiml).toMatch(new RegExp(`action="https://aurora.example.com/twilio/turn\\?call=${CALL_ID}&amp;g=\\w+"`));
    expect(await live.get(`call_sids/${callSid(1)}`)).toBe(CALL_ID);
    expect(await live.get(`active_calls/${CALL_ID}`)).toEqual({
      worker_id: 'worker_001',
      mobile_no: '+15550100001',
      conversation_id: CONV_ID,
      urgency: 'NORMAL',
      status: 'ACTIVE',
      timestamp: '2025-10-04T14:30:00+05:30',
      last_message_at: '2025-10-04T14:30:00+05:30',
      medium: 'Voice',
      call_sid: callSid(1),
      mode: 'ai',
    });
    const conversation = (await live.get(`active_conversations/${CONV_ID}`)) as { call_id: string; messages: object };
    expect(conversation.call_id).toBe(CALL_ID);
    expect(Object.values(conversation.messages)).toEqual([
      { role: 'assistant', content: expect.stringContaining('Aurora'), timestamp: '2025-10-04T14:30:00+05:30', sources: '' },
    ]);
  });

  it('gives a second call from the same number in the same second its own ids', async () => {
    const { deps, live } = memoryDeps();
    await startCall({ callSid: callSid(1), from: '+15550100001' }, deps);
    await startCall({ callSid: callSid(2), from: '+15550100001' }, deps);
    expect(await live.get(`call_sids/${callSid(2)}`)).toBe(`${CALL_ID}_2`);
  });

  it('never hands out an id twice: a call in the same second as an archived one gets its own', async () => {
    const { deps, live, queue } = memoryDeps();
    await startCall({ callSid: callSid(1), from: '+15550100001' }, deps);
    await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
    await queue.runAll(deps);
    expect(await live.get(`active_calls/${CALL_ID}`)).toBeNull();
    await startCall({ callSid: callSid(2), from: '+15550100001' }, deps);
    expect(await live.get(`call_sids/${callSid(2)}`)).toBe(`${CALL_ID}_2`);
    expect(queue.ids.has(`archive-${CALL_ID}_2`)).toBe(false);
  });

  it('records a retried webhook once', async () => {
    const { deps, live } = memoryDeps();
    await startCall({ callSid: callSid(1), from: '+15550100001' }, deps);
    await startCall({ callSid: callSid(1), from: '+15550100001' }, deps);
    expect(Object.keys((await live.get('active_calls')) as object)).toEqual([CALL_ID]);
  });

  it('helps unknown callers and callers the registry cannot look up', async () => {
    const { deps, live } = memoryDeps({ workers: { findByPhone: () => Promise.reject(new Error('down')) } });
    const twiml = await startCall({ callSid: callSid(1), from: '+15559990000' }, deps);
    expect(twiml).toContain('This is Aurora');
    expect(await live.get('active_calls/call_15559990000_20251004_143000/worker_id')).toBe('unknown');
  });
});

describe('takeTurn', () => {
  async function started() {
    const ctx = memoryDeps();
    await startCall({ callSid: callSid(1), from: '+15550100001' }, ctx.deps);
    ctx.clock.advance(5000);
    return ctx;
  }

  it("records the caller's words and Aurora's reply, raises urgency and clears the turn marker", async () => {
    const { deps, live } = await started();
    const twiml = await takeTurn({ callSid: callSid(1), speech: "There's a fire in Zone A", silentTurns: 0 }, deps);
    expect(twiml).toContain('Leave the area now');
    const call = (await live.get(`active_calls/${CALL_ID}`)) as Record<string, unknown>;
    expect(call.urgency).toBe('CRITICAL');
    expect(call.last_message_at).toBe('2025-10-04T14:30:05+05:30');
    expect(call.turn_started_at).toBeUndefined();
    const messages = Object.values((await live.get(`active_conversations/${CONV_ID}/messages`)) as object);
    expect(messages.slice(1)).toEqual([
      { role: 'user', content: "There's a fire in Zone A", timestamp: '2025-10-04T14:30:05+05:30', sources: '' },
      { role: 'assistant', content: expect.stringContaining('Leave the area'), timestamp: '2025-10-04T14:30:05+05:30', sources: 'Fire and Explosion Response (EP-01)' },
    ]);
  });

  it("reads the call named in the action URL, but never another CallSid's call", async () => {
    const { deps, live } = await started();
    await startCall({ callSid: callSid(2), from: '+15550100009' }, deps);
    const other = 'call_15550100009_20251004_143005';
    await takeTurn({ callSid: callSid(1), speech: 'fire', silentTurns: 0, callHint: other }, deps);
    expect(await live.get(`active_calls/${CALL_ID}/urgency`)).toBe('CRITICAL');
    expect(await live.get(`active_calls/${other}/urgency`)).toBe('NORMAL');
    await takeTurn({ callSid: callSid(1), speech: 'gas', silentTurns: 0, callHint: CALL_ID }, deps);
    expect(Object.keys((await live.get(`active_conversations/${CONV_ID}/messages`)) as object)).toHaveLength(5);
  });

  it('gives the responder the earlier turns and the caller, and records which fallback answered', async () => {
    const { deps, live } = await started();
    const seen: unknown[] = [];
    deps.responder = {
      respond: async (input) => {
        seen.push({ history: input.history.map((m) => m.role), caller: input.caller.name, utterance: input.utterance });
        return { text: 'Leave now and call emergency services.', urgency: 'CRITICAL', sources: [], fallback: 'fallback-model', handoff: seen.length > 1 };
      },
    };
    await takeTurn({ callSid: callSid(1), speech: 'fire', silentTurns: 0 }, deps);
    await takeTurn({ callSid: callSid(1), speech: 'it is spreading', silentTurns: 0 }, deps);
    expect(seen).toEqual([
      { history: ['assistant'], caller: 'Priya Nair', utterance: 'fire' },
      { history: ['assistant', 'user', 'assistant'], caller: 'Priya Nair', utterance: 'it is spreading' },
    ]);
    const messages = Object.values((await live.get(`active_conversations/${CONV_ID}/messages`)) as object);
    expect(messages.at(-1)).toMatchObject({ role: 'assistant', fallback: 'fallback-model' });
    expect(await live.get(`active_calls/${CALL_ID}/handoff_requested`)).toBe(true);
  });

  it('never lowers urgency', async () => {
    const { deps, live } = await started();
    await takeTurn({ callSid: callSid(1), speech: 'fire!', silentTurns: 0 }, deps);
    await takeTurn({ callSid: callSid(1), speech: 'what do I do now', silentTurns: 0 }, deps);
    expect(await live.get(`active_calls/${CALL_ID}/urgency`)).toBe('CRITICAL');
  });

  it('reprompts on silence, then says goodbye and hangs up', async () => {
    const { deps } = await started();
    const first = await takeTurn({ callSid: callSid(1), speech: '  ', silentTurns: 0 }, deps);
    expect(first).toContain('I did not hear anything');
    expect(first).toContain(`/twilio/turn?call=${CALL_ID}&amp;silent=1&amp;g=`);
    const last = await takeTurn({ callSid: callSid(1), speech: '', silentTurns: 2 }, deps);
    expect(last).toContain('<Hangup/>');
  });

  it('answers an unknown call without recording anything', async () => {
    const { deps, live } = memoryDeps();
    const twiml = await takeTurn({ callSid: callSid(9), speech: 'gas leak', silentTurns: 0 }, deps);
    expect(twiml).toContain('Move upwind');
    expect(liveRecords(live.tree)).toEqual({});
  });

  it('still answers when the responder and the database fail', async () => {
    const { deps, live } = await started();
    deps.responder = { respond: () => Promise.reject(new Error('model down')) };
    live.failNextUpdates = 2;
    const twiml = await takeTurn({ callSid: callSid(1), speech: 'someone is bleeding', silentTurns: 0 }, deps);
    expect(twiml).toContain('Call emergency services now');
  });

  it("only records the caller's words while a human has the call", async () => {
    const { deps, live } = await started();
    await live.update({ [`active_calls/${CALL_ID}/mode`]: 'human' });
    const twiml = await takeTurn({ callSid: callSid(1), speech: 'are you there?', silentTurns: 0 }, deps);
    expect(twiml).not.toContain('<Say>');
    const messages = Object.values((await live.get(`active_conversations/${CONV_ID}/messages`)) as object);
    expect(messages).toHaveLength(2);
  });
});

describe('status, archive and purge', () => {
  async function talked() {
    const ctx = memoryDeps();
    await startCall({ callSid: callSid(1), from: '+15550100001' }, ctx.deps);
    ctx.clock.advance(5000);
    await takeTurn({ callSid: callSid(1), speech: 'fire', silentTurns: 0 }, ctx.deps);
    ctx.clock.advance(60_000);
    return ctx;
  }

  it('archives every message and then removes the live records', async () => {
    const { deps, live, archive, queue } = await talked();
    expect(await handleStatus({ callSid: callSid(1), callStatus: 'completed', durationSeconds: 65 }, deps)).toBe('end');
    await queue.runAll(deps);
    const plan = archive.plans.get(CONV_ID)!;
    expect(plan.call).toMatchObject({ status: 'COMPLETE', urgency: 'CRITICAL', duration_seconds: 65, end_reason: 'completed' });
    expect(plan.conversation.total_messages).toBe(3);
    expect(liveRecords(live.tree)).toEqual({});
  });

  it('archives exactly once however often and in whatever order Twilio calls back', async () => {
    const { deps, live, archive, queue } = await talked();
    for (const status of ['in-progress', 'completed', 'completed', 'ringing', 'busy']) {
      await handleStatus({ callSid: callSid(1), callStatus: status }, deps);
    }
    expect(queue.tasks.map((t) => t.id)).toEqual([`archive-${CALL_ID}`]);
    expect(await live.get(`active_calls/${CALL_ID}/end_reason`)).toBe('completed');
    await queue.runAll(deps);
    expect(await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps)).toBe('unknown-call');
    expect(archive.writes).toBe(1);
    expect(liveRecords(live.tree)).toEqual({});
  });

  it('leaves a non-terminal status alone', async () => {
    const { deps, live, queue } = await talked();
    expect(await handleStatus({ callSid: callSid(1), callStatus: 'in-progress' }, deps)).toBe('not-terminal');
    expect(await live.get(`active_calls/${CALL_ID}/status`)).toBe('ACTIVE');
    expect(queue.tasks).toEqual([]);
  });

  it('keeps the call ENDED and answers even when the archive cannot be enqueued', async () => {
    const { deps, live, queue } = await talked();
    queue.failNext = 1;
    await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
    expect(await live.get(`active_calls/${CALL_ID}/status`)).toBe('ENDED');
  });

  it('retries when Firestore fails, purging nothing until the archive is whole', async () => {
    const { deps, live, archive, queue } = await talked();
    await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
    const [task] = queue.drain();
    archive.failNextWrites = 1;
    await expect(archiveCall({ callId: task.callId }, deps)).rejects.toThrow('firestore unavailable');
    expect(queue.tasks).toEqual([]);
    expect(await live.get(`active_calls/${CALL_ID}`)).not.toBeNull();
    await archiveCall({ callId: task.callId }, deps);
    await queue.runAll(deps);
    expect(archive.plans.get(CONV_ID)!.conversation.total_messages).toBe(3);
    expect(liveRecords(live.tree)).toEqual({});
  });

  it('re-archives a message written after archival began before purging', async () => {
    const { deps, live, archive, queue } = await talked();
    await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
    // A turn's write lands while the archive is being written.
    const write = archive.write.bind(archive);
    archive.write = async (plan) => {
      archive.write = write;
      await live.update({ [`active_conversations/${CONV_ID}/messages/zzz`]: { role: 'user', content: 'late', timestamp: 't', sources: '' } });
      return write(plan);
    };
    await archiveCall(queue.drain()[0], deps);
    expect(await live.get(`active_calls/${CALL_ID}`)).not.toBeNull();
    const [purge] = queue.drain();
    expect(purge).toMatchObject({ queue: 'purgeCall', id: `purge-${CALL_ID}-m3` });
    expect(await purgeCall(purge, deps)).toBe('rearchive');
    expect(queue.tasks).toMatchObject([{ queue: 'archiveCall', id: `archive-${CALL_ID}-m4` }]);
    await queue.runAll(deps);
    expect(archive.plans.get(CONV_ID)!.conversation.messages.at(-1)!.content).toBe('late');
    expect(liveRecords(live.tree)).toEqual({});
  });

  it('purges right after archiving, without a second queue hop, when nothing holds it', async () => {
    const { deps, live, queue } = await talked();
    await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
    await archiveCall(queue.drain()[0], deps);
    expect(queue.tasks).toEqual([]);
    expect(liveRecords(live.tree)).toEqual({});
  });

  it('holds the purge while a caller turn is being answered', async () => {
    const { deps, live, queue, clock } = await talked();
    await live.update({ [`active_calls/${CALL_ID}/turn_started_at`]: '2025-10-04T14:31:05+05:30' });
    await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
    await archiveCall(queue.drain()[0], deps);
    const purge = queue.drain()[0];
    expect(purge.queue).toBe('purgeCall');
    await expect(purgeCall(purge, deps)).rejects.toBeInstanceOf(AuroraError);
    expect(await live.get(`active_calls/${CALL_ID}`)).not.toBeNull();
    clock.advance(25_000); // the turn died; Twilio gave up on it long ago
    expect(await purgeCall(purge, deps)).toBe('purged');
  });

  it('refuses to archive or purge a call that is still ACTIVE', async () => {
    const { deps, live } = await talked();
    expect(await archiveCall({ callId: CALL_ID }, deps)).toBe('not-ended');
    expect(await purgeCall({ callId: CALL_ID }, deps)).toBe('not-ended');
    expect(await live.get(`active_calls/${CALL_ID}/status`)).toBe('ACTIVE');
  });

  it("puts a turn that arrives after the call was archived and purged at the end of its archived transcript", async () => {
    const { deps, live, archive, queue } = await talked();
    await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
    await queue.runAll(deps);
    expect(liveRecords(live.tree)).toEqual({});
    // Twilio's request for the caller's last words arrives late, naming the call in its URL.
    const twiml = await takeTurn({ callSid: callSid(1), speech: 'my leg is trapped', silentTurns: 0, callHint: CALL_ID }, deps);
    expect(twiml).toContain('Call emergency services now');
    expect(liveRecords(live.tree)).toEqual({});
    const conversation = archive.plans.get(CONV_ID)!.conversation;
    expect(conversation.total_messages).toBe(5);
    expect(conversation.messages.slice(-2).map((m) => [m.role, m.content.slice(0, 17)])).toEqual([
      ['user', 'my leg is trapped'],
      ['assistant', 'Call emergency se'],
    ]);
    // Another CallSid cannot write into this call's archive.
    await takeTurn({ callSid: callSid(2), speech: 'hello', silentTurns: 0, callHint: CALL_ID }, deps);
    expect(archive.plans.get(CONV_ID)!.conversation.total_messages).toBe(5);
  });

  it('archives a message that lands between the verification and the delete, instead of losing it', async () => {
    const { deps, live, archive, queue } = await talked();
    await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
    const read = archive.readMessages.bind(archive);
    archive.readMessages = async (id) => {
      archive.readMessages = read;
      const held = await read(id);
      // A whole turn slips in right after the purge has read the archive.
      await live.update({ [`active_conversations/${CONV_ID}/messages/zzz`]: { role: 'user', content: 'still here?', timestamp: 't', sources: '' } });
      return held;
    };
    await queue.runAll(deps);
    expect(liveRecords(live.tree)).toEqual({});
    expect(archive.plans.get(CONV_ID)!.conversation.messages.at(-1)!.content).toBe('still here?');
    expect(archive.plans.get(CONV_ID)!.conversation.total_messages).toBe(4);
  });

  it('lets no turn record on a call the purge has begun on; its words go to the archive', async () => {
    const { deps, live, archive, queue } = await talked();
    await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
    await archiveCall(queue.drain()[0]!, deps); // archived and purged
    await live.update({ [`active_calls/${CALL_ID}`]: { purging: true, status: 'ENDED' } }); // as if the purge were mid-way
    await takeTurn({ callSid: callSid(1), speech: 'hello?', silentTurns: 0, callHint: CALL_ID }, deps);
    expect(await live.get(`active_conversations/${CONV_ID}`)).toBeNull();
    expect(archive.plans.get(CONV_ID)!.conversation.messages.at(-2)!.content).toBe('hello?');
  });

  it('treats tasks for calls that are gone as done', async () => {
    const { deps } = memoryDeps();
    expect(await archiveCall({ callId: 'call_1_20250101_000000' }, deps)).toBe('missing');
    expect(await purgeCall({ callId: 'call_1_20250101_000000' }, deps)).toBe('gone');
  });
});
