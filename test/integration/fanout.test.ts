/**
 * The fan-out trigger and the escalation queue, run with firebase-functions-test against the
 * local Realtime Database. On the stand-in, the relay also delivers every write: each test
 * therefore also proves that a trigger delivered twice creates nothing twice. The escalation
 * timer itself runs in the functions emulator's task queue.
 */
import functionsTest from 'firebase-functions-test';
import type { CloudEvent, CloudFunction } from 'firebase-functions/v2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useFunctionsEnvironment } from '../../scripts/lib/functions-env.ts';
import { LOCAL_FIREBASE_CONFIG } from '../../scripts/lib/project.ts';
import { startCall } from '../../functions/src/calls/startCall';
import { takeTurn } from '../../functions/src/calls/takeTurn';
import { controlCall } from '../../functions/src/calls/controlCall';
import { handleStatus } from '../../functions/src/calls/endCall';
import { ESCALATION_SECONDS, ON_CALL, textsSent } from '../helpers/escalation';
import { eventually, freshCaller, realDeps, testClients } from '../helpers/stack';

const { db } = testClients();

useFunctionsEnvironment();
const test = functionsTest(LOCAL_FIREBASE_CONFIG);
const functions = await import('../../functions/src/index');
const fanOut = test.wrap(functions.callFanOut);
// firebase-functions-test runs a task queue function's handler with a request; its types only know event functions.
const escalate = test.wrap(
  functions.escalateCall as unknown as CloudFunction<CloudEvent<unknown>>,
) as unknown as (request: { data: unknown }) => Promise<void>;

let demoAdmin: string;
beforeAll(async () => {
  const admins = (await db.ref('admins').get()).val() as Record<string, { email: string }>;
  demoAdmin = Object.keys(admins).find((uid) => admins[uid]!.email === 'admin@aurora.local')!;
});
afterAll(() => test.cleanup());

const hangUps: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const hangUp of hangUps.splice(0)) await hangUp();
});
async function liveCall() {
  const { from, callSid } = freshCaller('+1333');
  const { deps, queue } = realDeps();
  deps.settings = { ...deps.settings, publicBaseUrl: 'http://127.0.0.1:5000' };
  await startCall({ callSid, from }, deps);
  const callId = (await db.ref(`call_sids/${callSid}`).get()).val() as string;
  // Each call hangs up when its test is done, so no timer of its outlives the file.
  hangUps.push(async () => {
    await handleStatus({ callSid, callStatus: 'completed' }, deps);
    await queue.runAll(deps);
  });
  return { deps, callSid, callId };
}

/** The trigger's event for a write to the call, as the Realtime Database would deliver it. */
function written(callId: string, before: unknown, after: unknown) {
  const snapshot = (value: unknown) =>
    test.database.makeDataSnapshot(value as object, `active_calls/${callId}`);
  return {
    data: test.makeChange(snapshot(before), snapshot(after)),
    params: { callId },
  } as unknown as Parameters<typeof fanOut>[0];
}

const alertsOf = async (uid: string, callId: string) =>
  Object.entries(
    ((await db.ref(`admin_alerts/${uid}`).get()).val() as Record<
      string,
      { kind: string }
    > | null) ?? {},
  )
    .filter(([id]) => id.startsWith(`${callId}~`))
    .map(([, alert]) => alert.kind)
    .sort();

describe('the fan-out trigger', () => {
  it('alerts each admin and keeps the live summary, once however often it is delivered', async () => {
    const { callId } = await liveCall();
    const call = (await db.ref(`active_calls/${callId}`).get()).val();
    for (let i = 0; i < 3; i++) await fanOut(written(callId, null, call));
    expect(await alertsOf(demoAdmin, callId)).toEqual(['new-call']);
    expect(
      (await db.ref(`admin_alerts/${demoAdmin}/${callId}~new-call`).get()).val(),
    ).toMatchObject({ call_id: callId, kind: 'new-call', urgency: 'NORMAL' });
    const row = (await db.ref(`live_summary/calls/${callId}`).get()).val();
    expect(row).toMatchObject({
      status: 'ACTIVE',
      urgency: 'NORMAL',
      conversation_id: callId.replace(/^call_/, 'conv_'),
    });
    expect(row).not.toHaveProperty('call_sid');
  });

  it('keeps no row for a call that is gone, even when a stale delivery comes after', async () => {
    const { callId } = await liveCall();
    const call = (await db.ref(`active_calls/${callId}`).get()).val();
    await db.ref(`active_calls/${callId}`).remove();
    await fanOut(written(callId, call, null));
    await fanOut(written(callId, null, call)); // the creation, redelivered late
    expect((await db.ref(`live_summary/calls/${callId}`).get()).val()).toMatchObject({
      gone_at: expect.any(Number),
    });
  });
});

describe('escalation', () => {
  it('texts the on-call numbers when nobody acknowledges a critical call in time, once', async () => {
    const { deps, callSid, callId } = await liveCall();
    const before = (await db.ref(`active_calls/${callId}`).get()).val();
    const turnStarted = Date.now();
    await takeTurn(
      { callSid, speech: 'there is a fire in the paint store', silentTurns: 0, callHint: callId },
      deps,
    );
    const after = (await db.ref(`active_calls/${callId}`).get()).val();
    expect(after.urgency).toBe('CRITICAL');
    await fanOut(written(callId, before, after)); // the relay may deliver it too: one timer either way

    const texts = await eventually(
      'the escalation SMS',
      async () => {
        const mine = (await textsSent()).filter((m) => m.body.includes(after.mobile_no));
        return mine.length >= ON_CALL.length ? mine : undefined;
      },
      40_000,
    );
    expect(texts.map((m) => m.to).sort()).toEqual(ON_CALL);
    expect(texts[0]!.at - turnStarted).toBeGreaterThanOrEqual(ESCALATION_SECONDS * 1000);
    expect(texts[0]!.body).toMatch(
      new RegExp(
        `^Aurora CRITICAL call from .+, not acknowledged after ${ESCALATION_SECONDS} s\\. Open http`,
      ),
    );
    expect((await db.ref(`active_calls/${callId}/escalated_at`).get()).val()).toEqual(
      expect.any(String),
    );
    await eventually('the escalated alert', async () =>
      (await alertsOf(demoAdmin, callId)).includes('escalated'),
    );
    await new Promise((r) => setTimeout(r, 2000));
    expect((await textsSent()).filter((m) => m.body.includes(after.mobile_no))).toHaveLength(
      ON_CALL.length,
    );
  });

  it('sends nothing once an admin acknowledged the call', async () => {
    const { deps, callSid, callId } = await liveCall();
    await takeTurn(
      { callSid, speech: 'gas leak, someone collapsed', silentTurns: 0, callHint: callId },
      deps,
    );
    const mobile = (await db.ref(`active_calls/${callId}/mobile_no`).get()).val() as string;
    expect(
      await controlCall({ action: 'ack', callId }, { id: 'admin@aurora.local' }, deps),
    ).toEqual({ ok: true, reached: true });
    // Past the due time and the retry that follows it (backoff 1, 2, 4 s).
    await new Promise((r) => setTimeout(r, (ESCALATION_SECONDS + 4) * 1000));
    expect((await textsSent()).filter((m) => m.body.includes(mobile))).toEqual([]);
    expect((await db.ref(`live_summary/calls/${callId}/acknowledged_by`).get()).val()).toBe(
      'admin@aurora.local',
    );
  });
});

describe('the escalation task handler', () => {
  it('drops a malformed task, retries one that is early, and does nothing for an acknowledged call', async () => {
    const { deps, callSid, callId } = await liveCall();
    await takeTurn(
      { callSid, speech: 'chemical spill, my eyes are burning', silentTurns: 0, callHint: callId },
      deps,
    );
    const task = (data: unknown) => escalate({ data });

    await expect(
      task({ callId: '../../admins', dueAt: new Date().toISOString() }),
    ).resolves.toBeUndefined();
    await expect(
      task({ callId, dueAt: new Date(Date.now() + 60_000).toISOString() }),
    ).rejects.toThrow(/not due/);
    await controlCall({ action: 'ack', callId }, { id: 'admin@aurora.local' }, deps);
    await expect(task({ callId, dueAt: new Date().toISOString() })).resolves.toBeUndefined();
    expect((await db.ref(`active_calls/${callId}/escalated_at`).get()).exists()).toBe(false);
  });
});
