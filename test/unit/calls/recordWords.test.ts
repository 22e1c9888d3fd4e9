/**
 * Words the Realtime Database refused for the whole turn are queued (steps/wordsLater.ts) and
 * written later by the recordWords task, exactly once, live or archived (calls/recordWords.ts).
 * Each turn here waits out the turn's real retries (about five seconds) before giving up.
 */
import { describe, expect, it } from 'vitest';
import { QUEUES } from '@aurora/model/tasks';
import { LiveCall } from '@aurora/model';
import { archiveCall } from '../../../functions/src/calls/archival';
import { fanOutCall } from '../../../functions/src/calls/fanOut';
import { handleStatus } from '../../../functions/src/calls/endCall';
import { recordWords } from '../../../functions/src/calls/recordWords';
import { startCall } from '../../../functions/src/calls/startCall';
import { takeTurn } from '../../../functions/src/calls/takeTurn';
import { keyOrder } from '../../../functions/src/core/ids';
import { applyTurn } from '../../../functions/src/steps/applyTurn';
import { callTaskHandler, WordsTaskBody } from '../../../functions/src/triggers/tasks';
import type { LiveDb } from '../../../functions/src/ports';
import { memoryDeps } from '../../helpers/fakes';
import { callSid, silentLog } from '../../helpers/fixtures';
import { liveWith, refusing } from '../../helpers/memoryDb';

const CALL_ID = 'call_15550100001_20251004_143000';
const CONV_ID = 'conv_15550100001_20251004_143000';
/** The turn's six attempts wait about five seconds in all. */
const SLOW = 20_000;

async function started() {
  const ctx = memoryDeps();
  await startCall({ callSid: callSid(1), from: '+15550100001' }, ctx.deps);
  ctx.clock.advance(5000);
  const errors: string[] = [];
  ctx.deps.log = { ...silentLog, error: (message: string) => void errors.push(message) };
  // In key order, by code unit, as the Realtime Database and the dashboard order them (keyOrder):
  // localeCompare puts '_' before the letters, so a reply keyed in the caller's millisecond (the
  // same head, the tail one higher) could sort above her words.
  const said = async () =>
    Object.entries(
      ((await ctx.live.get(`active_conversations/${CONV_ID}/messages`)) ?? {}) as Record<
        string,
        { role: string; content: string }
      >,
    )
      .sort(([a], [b]) => keyOrder(a, b))
      .map(([, m]) => m);
  return { ...ctx, errors, said };
}

/** A turn while the database refuses every update, then the database back. */
async function turnDuringOutage(
  ctx: Awaited<ReturnType<typeof started>>,
  speech: string,
  held = true,
) {
  if (held) await ctx.live.update({ [`active_calls/${CALL_ID}/mode`]: 'human' });
  ctx.live.failNextUpdates = 1000;
  const twiml = await takeTurn({ callSid: callSid(1), speech, silentTurns: 0 }, ctx.deps);
  ctx.live.failNextUpdates = 0;
  return twiml;
}

describe('recordWords: words the database refused for the whole turn', () => {
  it(
    "records a held call's words once the database is back (they were in no transcript)",
    { timeout: SLOW },
    async () => {
      const ctx = await started();
      const { deps, queue, said } = ctx;
      await turnDuringOutage(ctx, 'it is only the drill');
      expect((await said()).map((m) => m.content)).not.toContain('it is only the drill');
      expect(queue.words).toHaveLength(1);
      expect(queue.words[0].id).toMatch(/^words-call_[0-9a-f]{12}-[0-9a-f]{16}$/);
      // Only the lines: no turn marker, no call field.
      expect(queue.words[0].task).toEqual({
        callId: CALL_ID,
        callSid: callSid(1),
        lines: [
          {
            key: expect.any(String),
            role: 'user',
            content: 'it is only the drill',
            timestamp: '2025-10-04T14:30:05+05:30',
            sources: '',
          },
        ],
      });
      expect(await recordWords(queue.words[0].task, deps)).toBe('recorded');
      expect((await said()).filter((m) => m.content === 'it is only the drill')).toHaveLength(1);
    },
  );

  it(
    "does not double a line when the task is replayed, or when the turn's write had landed after all",
    { timeout: SLOW },
    async () => {
      const ctx = await started();
      const { deps, queue, said } = ctx;
      await turnDuringOutage(ctx, 'are you there?');
      const { task } = queue.words[0];
      expect(await recordWords(task, deps)).toBe('recorded');
      expect(await recordWords(task, deps)).toBe('already');
      expect((await said()).filter((m) => m.content === 'are you there?')).toHaveLength(1);
    },
  );

  it(
    "queues the caller's words and Aurora's answer on a call nobody holds, and writes both in order",
    { timeout: SLOW },
    async () => {
      const ctx = await started();
      const { deps, queue, said } = ctx;
      const twiml = await turnDuringOutage(ctx, 'someone is bleeding', false);
      expect(twiml).toContain('<Say');
      expect(queue.words.map((w) => w.task.lines.map((l) => l.role))).toEqual([
        ['user'],
        ['assistant'],
      ]);
      // Cloud Tasks may run them in either order: the keys keep the transcript in the order spoken.
      for (const { task } of [...queue.words].reverse()) await recordWords(task, deps);
      expect((await said()).slice(1).map((m) => m.role)).toEqual(['user', 'assistant']);
    },
  );

  it(
    'appends the words to the archive when the call was archived and purged before the task ran',
    { timeout: SLOW },
    async () => {
      const ctx = await started();
      const { deps, queue, archive, clock, live } = ctx;
      await turnDuringOutage(ctx, 'it is only the drill');
      await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
      // The turn's marker was never cleared (its write failed): the purge waits out its grace.
      clock.advance(30_000);
      await queue.runAll(deps);
      expect(await live.get(`active_calls/${CALL_ID}`)).toBeNull();
      const archived = async () =>
        ((await archive.readMessages(CONV_ID)) ?? []).filter(
          (m) => m.content === 'it is only the drill',
        );
      expect(await archived()).toHaveLength(0);
      const { task } = queue.words[0];
      expect(await recordWords(task, deps)).toBe('archived');
      expect(await recordWords(task, deps)).toBe('already');
      expect(await archived()).toHaveLength(1);
      // The purged call's conversation is not recreated live.
      expect(await live.get(`active_conversations/${CONV_ID}`)).toBeNull();
    },
  );

  it(
    'does not append to the archive words the purge already archived from the live call (a replay after a lost answer)',
    { timeout: SLOW },
    async () => {
      const ctx = await started();
      const { deps, queue, archive, clock } = ctx;
      await turnDuringOutage(ctx, 'it is only the drill');
      const { task } = queue.words[0];
      expect(await recordWords(task, deps)).toBe('recorded');
      await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
      clock.advance(30_000);
      await queue.runAll(deps);
      expect(await recordWords(task, deps)).toBe('already');
      const archived = (await archive.readMessages(CONV_ID)) ?? [];
      expect(archived.filter((m) => m.content === 'it is only the drill')).toHaveLength(1);
    },
  );

  it(
    'archives words that land between the archive being planned and the purge verifying it',
    { timeout: SLOW },
    async () => {
      const ctx = await started();
      const { deps, queue, archive, clock } = ctx;
      await turnDuringOutage(ctx, 'it is only the drill');
      await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
      clock.advance(30_000);
      // The task runs while the archive is being written from a conversation read without the words.
      const write = archive.write.bind(archive);
      const landed: string[] = [];
      archive.write = async (plan) => {
        if (landed.length === 0) landed.push(await recordWords(queue.words[0].task, deps));
        return write(plan);
      };
      await queue.runAll(deps);
      expect(landed).toEqual(['recorded']);
      const archived = (await archive.readMessages(CONV_ID)) ?? [];
      expect(archived.filter((m) => m.content === 'it is only the drill')).toHaveLength(1);
      expect(await deps.live.get(`active_calls/${CALL_ID}`)).toBeNull();
    },
  );

  it(
    'sends the words to the archive, not the conversation, when a purge marked the call and was cut short',
    { timeout: SLOW },
    async () => {
      const ctx = await started();
      const { deps, queue, archive, clock, live } = ctx;
      await turnDuringOutage(ctx, 'it is only the drill');
      await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
      clock.advance(30_000);
      // Archived and verified, marked for purging, then the purge's instance died.
      const dying = liveWith(live, {
        transact: (path, next) =>
          path.startsWith('active_conversations/')
            ? Promise.reject(new Error('instance gone'))
            : live.transact(path, next),
      });
      queue.drain();
      await expect(archiveCall({ callId: CALL_ID }, { ...deps, live: dying })).rejects.toThrow();
      expect(await live.get(`active_calls/${CALL_ID}/purging`)).toBe(true);
      expect(await live.get(`active_conversations/${CONV_ID}`)).not.toBeNull();
      expect(await recordWords(queue.words[0].task, deps)).toBe('archived');
      expect((await ctx.said()).map((m) => m.content)).not.toContain('it is only the drill');
      // The purge resumes and finds the archive whole.
      expect(await archiveCall({ callId: CALL_ID }, deps)).toBe('unchanged');
      expect(await live.get(`active_calls/${CALL_ID}`)).toBeNull();
      const archived = (await archive.readMessages(CONV_ID)) ?? [];
      expect(archived.filter((m) => m.content === 'it is only the drill')).toHaveLength(1);
    },
  );

  it('keeps retrying (throws) while the database still refuses', async () => {
    const ctx = await started();
    const { deps } = ctx;
    const task = {
      callId: CALL_ID,
      callSid: callSid(1),
      lines: [
        {
          key: '-0000000aaaaaaaaaaaa',
          role: 'user' as const,
          content: 'hello',
          timestamp: 't',
          sources: '',
        },
      ],
    };
    const down = () => Promise.reject(new Error('down'));
    const refusing: LiveDb = { get: down, update: down, transact: down };
    await expect(recordWords(task, { ...deps, live: refusing })).rejects.toThrow('down');
    expect(await recordWords(task, deps)).toBe('recorded');
  });

  it(
    'logs an error ops can see when the queue refuses the words too',
    { timeout: SLOW },
    async () => {
      const ctx = await started();
      const { queue, errors } = ctx;
      queue.failNext = 1;
      await turnDuringOutage(ctx, 'it is only the drill');
      expect(queue.words).toHaveLength(0);
      expect(errors).toContain('caller words lost: neither written nor queued');
    },
  );

  it(
    'queues the words of a turn that could not even be opened, when their write fails too',
    { timeout: SLOW },
    async () => {
      const ctx = await started();
      const { deps, live, queue, said } = ctx;
      // Every attempt to open the turn.
      deps.live = refusing(live, 'transact', 3, 'transaction aborted');
      live.failNextUpdates = 1000;
      await takeTurn(
        { callSid: callSid(1), speech: 'someone is bleeding', silentTurns: 0, callHint: CALL_ID },
        deps,
      );
      live.failNextUpdates = 0;
      expect(queue.words.map((w) => w.task.lines.map((l) => l.role))).toEqual([
        ['user'],
        ['assistant'],
      ]);
      for (const { task } of queue.words) await recordWords(task, deps);
      expect((await said()).slice(1).map((m) => m.role)).toEqual(['user', 'assistant']);
    },
  );

  it(
    "queues a late turn whose archive append failed, under the turn's own key",
    { timeout: SLOW },
    async () => {
      const ctx = await started();
      const { deps, queue, archive, clock } = ctx;
      await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
      clock.advance(1000);
      await queue.runAll(deps);
      const append = archive.appendMessages.bind(archive);
      let refuse = 1;
      archive.appendMessages = (...args) =>
        refuse-- > 0 ? Promise.reject(new Error('firestore unavailable')) : append(...args);
      await takeTurn(
        { callSid: callSid(1), speech: 'hello?', silentTurns: 0, gather: '0000000cccc' },
        deps,
      );
      expect(queue.words).toHaveLength(1);
      expect(queue.words[0].task.turn).toBe('0000000cccc');
      expect(await recordWords(queue.words[0].task, deps)).toBe('archived');
      expect(await recordWords(queue.words[0].task, deps)).toBe('already');
      const archived = (await archive.readMessages(CONV_ID)) ?? [];
      expect(archived.filter((m) => m.content === 'hello?')).toHaveLength(1);
    },
  );

  it('is its own queue, named after its function, and drops a task whose key would name another path', async () => {
    expect(QUEUES.words).toBe('recordWords');
    const { deps, live } = await started();
    const errors: string[] = [];
    deps.log = { ...silentLog, error: (message: string) => void errors.push(message) };
    const run = callTaskHandler(QUEUES.words, WordsTaskBody, recordWords, () => deps);
    const line = { role: 'user', content: 'x', timestamp: 't', sources: '' };
    await run({
      data: { callId: CALL_ID, callSid: callSid(1), lines: [{ ...line, key: '../../calls' }] },
    });
    expect(errors).toEqual(['dropped a malformed task']);
    await run({
      data: {
        callId: CALL_ID,
        callSid: callSid(1),
        lines: [{ ...line, key: '-0000000aaaaaaaaaaaa' }],
      },
    });
    expect(await live.get(`active_conversations/${CONV_ID}/messages/-0000000aaaaaaaaaaaa`)).toEqual(
      line,
    );
  });
});

/**
 * The urgency of words that reach the transcript late: the same outage that refused the turn's
 * lines refused its raise too, so the task carries it (DESIGN: urgency reflects every utterance;
 * an unacknowledged CRITICAL call is escalated).
 */
describe('recordWords: the urgency of words that reach the transcript late', () => {
  const refused = () => Promise.reject(new Error('database unavailable'));
  /** The database refusing what `refuse` names, for the whole turn. */
  const outage = (live: LiveDb, refuse: { transact?: boolean; update?: boolean }): LiveDb =>
    liveWith(live, {
      ...(refuse.update ? { update: refused } : {}),
      ...(refuse.transact ? { transact: refused } : {}),
    });
  const callOf = async (live: LiveDb) => LiveCall.parse(await live.get(`active_calls/${CALL_ID}`));
  /** recordWords as the task runs it, with the call's fan-out as the database trigger would run it. */
  const runTask = async (ctx: Awaited<ReturnType<typeof started>>, index = 0) => {
    const before = await ctx.live.get(`active_calls/${CALL_ID}`);
    const outcome = await recordWords(ctx.queue.words[index].task, ctx.deps);
    await fanOutCall(
      { callId: CALL_ID, before, after: await ctx.live.get(`active_calls/${CALL_ID}`) },
      ctx.deps,
    );
    return outcome;
  };

  it(
    "raises the call and starts its escalation when a turn's raise and lines were both refused",
    { timeout: SLOW },
    async () => {
      const ctx = await started();
      const { deps, live, queue, said } = ctx;
      const opened = { callId: CALL_ID, call: await callOf(live) };
      await applyTurn(
        { ...deps, live: outage(live, { transact: true, update: true }) },
        opened,
        [{ role: 'user', content: "he's not breathing", sources: '' }],
        { urgency: 'CRITICAL', finishTurn: true },
      );
      expect(queue.words).toHaveLength(1);
      expect(queue.words[0].task.urgency).toBe('CRITICAL');
      expect(await runTask(ctx)).toBe('recorded');
      expect((await said()).map((m) => m.content)).toContain("he's not breathing");
      expect((await callOf(live)).urgency).toBe('CRITICAL');
      expect(queue.escalations).toHaveLength(1);
      // A replay raises nothing more, and starts no second timer.
      expect(await runTask(ctx)).toBe('already');
      expect(queue.escalations).toHaveLength(1);
    },
  );

  it(
    'raises the call when only the raise was refused and the lines were written (nothing doubled)',
    { timeout: SLOW },
    async () => {
      const ctx = await started();
      const { deps, live, queue, said } = ctx;
      const opened = { callId: CALL_ID, call: await callOf(live) };
      await applyTurn(
        { ...deps, live: outage(live, { transact: true }) },
        opened,
        [{ role: 'user', content: "he's not breathing", sources: '' }],
        { urgency: 'CRITICAL', finishTurn: true },
      );
      expect((await callOf(live)).urgency).toBe('NORMAL');
      expect(queue.words.map((w) => w.task.urgency)).toEqual(['CRITICAL']);
      expect(await runTask(ctx)).toBe('already');
      expect((await said()).filter((m) => m.content === "he's not breathing")).toHaveLength(1);
      expect((await callOf(live)).urgency).toBe('CRITICAL');
      expect(queue.escalations).toHaveLength(1);
    },
  );

  it(
    'carries the urgency of a turn that could not be opened, whose raise came after its refused write',
    { timeout: SLOW },
    async () => {
      const ctx = await started();
      const { deps, live, queue } = ctx;
      // Every attempt to open the turn.
      deps.live = refusing(live, 'transact', 3, 'transaction aborted');
      live.failNextUpdates = 1000;
      await takeTurn(
        { callSid: callSid(1), speech: "he's not breathing", silentTurns: 0, callHint: CALL_ID },
        deps,
      );
      live.failNextUpdates = 0;
      expect((await callOf(live)).urgency).toBe('NORMAL');
      expect(queue.words.map((w) => w.task.urgency)).toEqual(['CRITICAL', 'CRITICAL']);
      await runTask(ctx);
      expect((await callOf(live)).urgency).toBe('CRITICAL');
      expect(queue.escalations).toHaveLength(1);
    },
  );

  it(
    "raises the archived call and alerts the admins when a late turn's append failed",
    { timeout: SLOW },
    async () => {
      const ctx = await started();
      const { deps, queue, archive, clock, live, push } = ctx;
      await live.update({ admins: { uid_ana: { email: 'ana@site.example' } } });
      await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
      clock.advance(1000);
      await queue.runAll(deps);
      const append = archive.appendMessages.bind(archive);
      let refuse = 1;
      archive.appendMessages = (...args) =>
        refuse-- > 0 ? Promise.reject(new Error('firestore unavailable')) : append(...args);
      await takeTurn(
        {
          callSid: callSid(1),
          speech: "he's not breathing",
          silentTurns: 0,
          gather: '0000000dddd',
        },
        deps,
      );
      // The alert does not wait for the archive.
      expect(push.sent.map((p) => p.title)).toEqual(['CRITICAL words after a call ended']);
      expect(await live.get(`admin_alerts/uid_ana/${CALL_ID}~critical-late`)).toMatchObject({
        urgency: 'CRITICAL',
      });
      expect(queue.words[0].task.urgency).toBe('CRITICAL');
      expect(await recordWords(queue.words[0].task, deps)).toBe('archived');
      expect(archive.plans.get(CONV_ID)?.call.urgency).toBe('CRITICAL');
      expect(push.sent.length).toBeGreaterThanOrEqual(1);
    },
  );

  it(
    'raises the archived call and alerts when the purge archived the lines before the task raised them',
    { timeout: SLOW },
    async () => {
      const ctx = await started();
      const { deps, live, queue, archive, clock, push } = ctx;
      const opened = { callId: CALL_ID, call: await callOf(live) };
      await applyTurn(
        { ...deps, live: outage(live, { transact: true }) },
        opened,
        [{ role: 'user', content: "he's not breathing", sources: '' }],
        { urgency: 'CRITICAL', finishTurn: true },
      );
      await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
      clock.advance(30_000);
      await queue.runAll(deps);
      expect(await live.get(`active_calls/${CALL_ID}`)).toBeNull();
      expect(archive.plans.get(CONV_ID)?.call.urgency).toBe('NORMAL');
      expect(await recordWords(queue.words[0].task, deps)).toBe('already');
      expect(archive.plans.get(CONV_ID)?.call.urgency).toBe('CRITICAL');
      expect(push.sent.map((p) => p.title)).toContain('CRITICAL words after a call ended');
      const archived = (await archive.readMessages(CONV_ID)) ?? [];
      expect(archived.filter((m) => m.content === "he's not breathing")).toHaveLength(1);
    },
  );

  it('accepts a task with an urgency and drops one whose urgency is not a level', async () => {
    const { deps, live } = await started();
    const errors: string[] = [];
    deps.log = { ...silentLog, error: (message: string) => void errors.push(message) };
    const run = callTaskHandler(QUEUES.words, WordsTaskBody, recordWords, () => deps);
    const line = {
      role: 'user',
      content: 'x',
      timestamp: 't',
      sources: '',
      key: '-0000000bbbbbbbbbbbb',
    };
    await run({ data: { callId: CALL_ID, callSid: callSid(1), lines: [line], urgency: 'SEVERE' } });
    expect(errors).toEqual(['dropped a malformed task']);
    await run({ data: { callId: CALL_ID, callSid: callSid(1), lines: [line], urgency: 'URGENT' } });
    expect(await live.get(`active_calls/${CALL_ID}/urgency`)).toBe('URGENT');
  });
});
