import { taskIds } from '@aurora/model/tasks';
import { describe, expect, it } from 'vitest';
import { archiveCall, purgeCall } from '../../../functions/src/calls/archival';
import { handleStatus } from '../../../functions/src/calls/endCall';
import { startCall } from '../../../functions/src/calls/startCall';
import { takeTurn } from '../../../functions/src/calls/takeTurn';
import { AuroraError } from '../../../functions/src/core/errors';
import { memoryDeps } from '../../helpers/fakes';
import { talkedCall as talked } from '../../helpers/calls';
import { callSid } from '../../helpers/fixtures';
import { liveRecords } from '../../helpers/memoryDb';

const CALL_ID = 'call_15550100001_20251004_143000';
const CONV_ID = 'conv_15550100001_20251004_143000';

describe('archiveCall and purgeCall', () => {
  it('archives every message and then removes the live records', async () => {
    const { deps, live, archive, queue } = await talked();
    expect(
      await handleStatus(
        { callSid: callSid(1), callStatus: 'completed', durationSeconds: 65 },
        deps,
      ),
    ).toBe('end');
    await queue.runAll(deps);
    const plan = archive.plans.get(CONV_ID)!;
    expect(plan.call).toMatchObject({
      status: 'COMPLETE',
      urgency: 'CRITICAL',
      duration_seconds: 65,
      end_reason: 'completed',
    });
    expect(plan.conversation.total_messages).toBe(3);
    expect(liveRecords(live.tree)).toEqual({});
  });

  it('retries when Firestore fails, purging nothing until the archive is whole', async () => {
    const { deps, live, archive, queue } = await talked();
    await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
    const [task] = queue.drain();
    archive.failNextWrites = 1;
    await expect(archiveCall({ callId: task.callId }, deps)).rejects.toThrow(
      'firestore unavailable',
    );
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
      await live.update({
        [`active_conversations/${CONV_ID}/messages/zzz`]: {
          role: 'user',
          content: 'late',
          timestamp: 't',
          sources: '',
        },
      });
      return write(plan);
    };
    await archiveCall(queue.drain()[0], deps);
    expect(await live.get(`active_calls/${CALL_ID}`)).not.toBeNull();
    const [purge] = queue.drain();
    expect(purge).toMatchObject({ queue: 'purgeCall', id: taskIds.purge(CALL_ID, 3) });
    expect(await purgeCall(purge, deps)).toBe('rearchive');
    expect(queue.tasks).toMatchObject([
      { queue: 'archiveCall', id: taskIds.rearchive(CALL_ID, 4) },
    ]);
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

  it('puts a turn that arrives after the call was archived and purged at the end of its archived transcript', async () => {
    const { deps, live, archive, queue } = await talked();
    await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
    await queue.runAll(deps);
    expect(liveRecords(live.tree)).toEqual({});
    // Twilio's request for the caller's last words arrives late, naming the call in its URL.
    const twiml = await takeTurn(
      { callSid: callSid(1), speech: 'my leg is trapped', silentTurns: 0, callHint: CALL_ID },
      deps,
    );
    expect(twiml).toContain('Call emergency services now');
    expect(liveRecords(live.tree)).toEqual({});
    const conversation = archive.plans.get(CONV_ID)!.conversation;
    expect(conversation.total_messages).toBe(5);
    expect(conversation.messages.slice(-2).map((m) => [m.role, m.content.slice(0, 17)])).toEqual([
      ['user', 'my leg is trapped'],
      ['assistant', 'Call emergency se'],
    ]);
    // Another CallSid cannot write into this call's archive.
    await takeTurn(
      { callSid: callSid(2), speech: 'hello', silentTurns: 0, callHint: CALL_ID },
      deps,
    );
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
      await live.update({
        [`active_conversations/${CONV_ID}/messages/zzz`]: {
          role: 'user',
          content: 'still here?',
          timestamp: 't',
          sources: '',
        },
      });
      return held;
    };
    await queue.runAll(deps);
    expect(liveRecords(live.tree)).toEqual({});
    expect(archive.plans.get(CONV_ID)!.conversation.messages.at(-1)!.content).toBe('still here?');
    expect(archive.plans.get(CONV_ID)!.conversation.total_messages).toBe(4);
  });

  it('archives lines that land during the purge in the order they were written (key order, by code unit)', async () => {
    const { deps, live, archive, queue } = await talked();
    await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
    const read = archive.readMessages.bind(archive);
    archive.readMessages = async (id) => {
      archive.readMessages = read;
      const held = await read(id);
      // A reply, then the note that it was not spoken, made in one millisecond: the note's key
      // ends in '_', after 'Y' by code unit as the database orders them (localeCompare: before).
      const at = (key: string) => `active_conversations/${CONV_ID}/messages/${key}`;
      const line = (role: string, content: string) => ({
        role,
        content,
        timestamp: 't',
        sources: '',
      });
      await live.update({
        [at('-OaiRku-c-WyxGbiQzSY')]: line('assistant', 'reply'),
        [at('-OaiRku-c-WyxGbiQzS_')]: line('system', 'Not spoken'),
      });
      return held;
    };
    await queue.runAll(deps);
    const archived = archive.plans.get(CONV_ID)!.conversation.messages.map((m) => m.content);
    expect(archived.slice(-2)).toEqual(['reply', 'Not spoken']);
  });

  it('lets no turn record on a call the purge has begun on; its words go to the archive', async () => {
    const { deps, live, archive, queue } = await talked();
    await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
    await archiveCall(queue.drain()[0]!, deps); // archived and purged
    await live.update({ [`active_calls/${CALL_ID}`]: { purging: true, status: 'ENDED' } }); // as if the purge were mid-way
    await takeTurn(
      { callSid: callSid(1), speech: 'hello?', silentTurns: 0, callHint: CALL_ID },
      deps,
    );
    expect(await live.get(`active_conversations/${CONV_ID}`)).toBeNull();
    expect(archive.plans.get(CONV_ID)!.conversation.messages.at(-2)!.content).toBe('hello?');
  });

  it('treats tasks for calls that are gone as done', async () => {
    const { deps } = memoryDeps();
    expect(await archiveCall({ callId: 'call_1_20250101_000000' }, deps)).toBe('missing');
    expect(await purgeCall({ callId: 'call_1_20250101_000000' }, deps)).toBe('gone');
  });

  it('archives a conversation a half-failed start left without its call_id, instead of failing forever', async () => {
    const { deps, live, archive, queue } = await talked();
    await live.update({
      [`active_conversations/${CONV_ID}/call_id`]: null,
      [`active_conversations/${CONV_ID}/messages/zz-broken`]: { content: 'a fragment', role: 42 },
    });
    await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
    await queue.runAll(deps);
    const plan = archive.plans.get(CONV_ID)!;
    expect(plan.conversation.call_id).toBe(CALL_ID);
    expect(plan.conversation.messages.map((m) => m.content)).toEqual([
      expect.stringContaining('Aurora'),
      'fire',
      expect.any(String),
      'a fragment',
    ]);
    expect(plan.conversation.messages.at(-1)).toMatchObject({
      role: 'system',
      content: 'a fragment',
    });
    expect(liveRecords(live.tree)).toEqual({});
  });

  describe('replays change nothing', () => {
    it('a replayed incoming-call webhook after the call was archived creates no phantom live call', async () => {
      const { deps, live, queue } = await talked();
      await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
      await queue.runAll(deps);
      const twiml = await startCall({ callSid: callSid(1), from: '+15550100001' }, deps);
      expect(twiml).toContain('is Aurora, the safety line');
      expect(liveRecords(live.tree)).toEqual({});
      expect(await live.get(`call_sids/${callSid(1)}`)).toBe(CALL_ID); // the tombstone
    });

    it('a replayed turn records once, on the live call and after the archive', async () => {
      const { deps, live, archive, queue } = await talked();
      const turn = {
        callSid: callSid(1),
        speech: 'the fire is spreading',
        silentTurns: 0,
        callHint: CALL_ID,
        gather: '00000000aaa111',
      };
      await takeTurn(turn, deps);
      const replayed = await takeTurn(turn, deps);
      expect(replayed).toContain('<Say>'); // the caller still gets an answer
      const messages = Object.values(
        (await live.get(`active_conversations/${CONV_ID}/messages`)) as Record<
          string,
          { content: string }
        >,
      );
      expect(messages.filter((m) => m.content === 'the fire is spreading')).toHaveLength(1);

      await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
      await queue.runAll(deps);
      const late = { ...turn, speech: 'are you there', gather: '00000000bbb222' };
      await takeTurn(late, deps);
      await takeTurn(late, deps);
      await takeTurn(turn, deps); // a replay of a turn recorded while the call was live
      const archived = archive.plans.get(CONV_ID)!.conversation.messages.map((m) => m.content);
      expect(archived.filter((c) => c === 'are you there')).toHaveLength(1);
      expect(archived.filter((c) => c === 'the fire is spreading')).toHaveLength(1);
    });

    it("uses Twilio's idempotency token when a turn names no Gather", async () => {
      const { deps, live } = await talked();
      const turn = {
        callSid: callSid(1),
        speech: 'gas smell near pump 3',
        silentTurns: 0,
        callHint: CALL_ID,
        idempotencyToken: 'AC123-CA456-turn/1#x',
      };
      await takeTurn(turn, deps);
      await takeTurn(turn, deps);
      const messages = Object.values(
        (await live.get(`active_conversations/${CONV_ID}/messages`)) as Record<
          string,
          { content: string }
        >,
      );
      expect(messages.filter((m) => m.content === 'gas smell near pump 3')).toHaveLength(1);
    });
  });
});
