import { QUEUES, taskIds } from '@aurora/model/tasks';
import {
  alertFor,
  alertId,
  alertsFor,
  nextSummary,
  startsEscalation,
  summaryRowChanged,
} from '../core/alerts';
import { fallsOf } from '../core/callUrgency';
import { LiveCall, type LiveSummary, paths, siteIso } from '@aurora/model';
import type { Deps } from '../ports';
import { adminUids, readCall } from '../steps/liveCalls';

/** One write to active_calls/{callId}, as a database trigger delivers it. */
export type CallChange = { callId: string; before: unknown; after: unknown };

const parse = (value: unknown) => {
  const parsed = value === null || value === undefined ? null : LiveCall.safeParse(value);
  return parsed?.success ? parsed.data : null;
};

/**
 * Fans a call's change out to the admins: an alert per admin for what changed (new call,
 * urgency up, taken, ended, escalated), the live summary row, and the escalation timer of a
 * call that turned CRITICAL. Delivered at least once, so every step is idempotent: alert ids
 * name their call and change, the summary row is rebuilt from the call as it is now (not as
 * the event says), and the timer's task id is the call's.
 */
export async function fanOutCall(
  change: CallChange,
  deps: Deps,
): Promise<{ alerts: number; escalation: boolean }> {
  const before = parse(change.before);
  const after = parse(change.after);
  const kinds = alertsFor(before, after);
  const escalate = startsEscalation(before, after);

  // A change the call's summary row does not show (a turn's marker, its answered Gather, the
  // key question) leaves the summary alone: the change that did alter the row rebuilds it.
  if (!before || !after || summaryRowChanged(before, after))
    await updateSummary(deps, change.callId);
  let alerts = 0;
  if (after && kinds.length > 0) {
    const admins = await adminUids(deps.live);
    const at = siteIso(deps.clock(), deps.settings.timeZone);
    const writes: Record<string, unknown> = {};
    for (const kind of kinds) {
      const id = alertId(change.callId, kind, after);
      for (const uid of admins)
        writes[paths.adminAlert(uid, id)] = alertFor(change.callId, after, kind, at);
    }
    if (admins.length > 0) await deps.live.update(writes);
    alerts = Object.keys(writes).length;
  }
  if (escalate) {
    const delaySeconds = deps.settings.escalation.afterSeconds;
    const dueAt = new Date(deps.clock().getTime() + delaySeconds * 1000).toISOString();
    await deps.queue.enqueue(
      QUEUES.escalate,
      { callId: change.callId, dueAt, rise: fallsOf(after!) },
      taskIds.escalate(change.callId, fallsOf(after!)),
      delaySeconds,
    );
  }
  return { alerts, escalation: escalate };
}

/**
 * The call's summary row from its current state, in one transaction with the counts. Every call's
 * every change comes through here: the summary is kept at hand (adapters/liveDb.ts), so the
 * transaction commits in one round trip rather than two. It aborts only on a tombstone, which a
 * stale value at hand cannot invent (a removed call never comes back).
 */
async function updateSummary(deps: Deps, callId: string): Promise<void> {
  const release = deps.live.watch?.(paths.liveSummary);
  try {
    const now = await readCall(deps.live, callId, deps.log);
    const nowMs = deps.clock().getTime();
    await deps.live.transact(
      paths.liveSummary,
      (current) => nextSummary(current as LiveSummary | null, callId, now, nowMs) ?? undefined,
    );
  } finally {
    release?.();
  }
}
