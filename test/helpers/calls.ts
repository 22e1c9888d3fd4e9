/** Calls driven through the real use cases over the in-memory fakes, at the point a test starts from. */
import { controlCall } from '../../functions/src/calls/controlCall';
import { fanOutCall } from '../../functions/src/calls/fanOut';
import { startCall } from '../../functions/src/calls/startCall';
import { takeTurn } from '../../functions/src/calls/takeTurn';
import { memoryDeps } from './fakes';
import { callSid } from './fixtures';

const CALL_ID = 'call_15550100001_20251004_143000';
/** The two admins watchedCall() alerts. */
export const ADMINS = {
  uid_ana: { email: 'ana@site.example' },
  uid_ben: { email: 'ben@site.example' },
};

/**
 * A call from worker_001 (callSid(1)) with one turn ("fire") answered, a minute later, and
 * acknowledged by a supervisor (an ended CRITICAL call nobody acknowledged stays live until
 * someone does: tests of that say so themselves).
 */
export async function talkedCall({ acknowledged = true } = {}) {
  const ctx = memoryDeps();
  await startCall({ callSid: callSid(1), from: '+15550100001' }, ctx.deps);
  ctx.clock.advance(5000);
  await takeTurn({ callSid: callSid(1), speech: 'fire', silentTurns: 0 }, ctx.deps);
  if (acknowledged)
    await controlCall({ action: 'ack', callId: CALL_ID }, { id: 'ana@site.example' }, ctx.deps);
  ctx.clock.advance(60_000);
  return ctx;
}

/**
 * A live call, watched by two admins, whose every write is fanned out as the database trigger
 * would: the test's `write` runs a use case, then the fan-out with the call before and after.
 */
export async function watchedCall() {
  const world = memoryDeps();
  await world.live.update({ admins: ADMINS });
  const callPath = `active_calls/${CALL_ID}`;
  const write = async <T>(work: () => Promise<T>): Promise<T> => {
    const before = await world.live.get(callPath);
    const result = await work();
    await fanOutCall(
      { callId: CALL_ID, before, after: await world.live.get(callPath) },
      world.deps,
    );
    return result;
  };
  await write(() => startCall({ callSid: callSid(1), from: '+15550100001' }, world.deps));
  const alerts = async (uid: string) =>
    (await world.live.get(`admin_alerts/${uid}`)) as Record<string, { kind: string }> | null;
  const critical = () =>
    write(() =>
      takeTurn(
        {
          callSid: callSid(1),
          speech: 'there is a fire in the paint store',
          silentTurns: 0,
          callHint: CALL_ID,
        },
        world.deps,
      ),
    );
  return { ...world, write, alerts, critical };
}
