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
  const kinds = after ? alertsFor(before, after) : [];
  const escalate = startsEscalation(before, after);
  // The three go out together: an alarm waits for neither the summary nor the timer.
  const [, alerts] = await Promise.all([
    // A change the call's summary row does not show (a turn's marker, its answered Gather, the
    // key question) leaves the summary alone: the change that did alter the row rebuilds it.
    !before || !after || summaryRowChanged(before, after)
      ? updateSummary(deps, change.callId)
      : undefined,
    after && kinds.length > 0 ? raiseAlerts(deps, change.callId, after, kinds) : 0,
    escalate ? startEscalationTimer(deps, change.callId, after!) : undefined,
  ]);
  return { alerts, escalation: escalate };
}

/** An alert per admin for each kind of change; the number written. */
async function raiseAlerts(
  deps: Deps,
  callId: string,
  call: LiveCall,
  kinds: ReturnType<typeof alertsFor>,
): Promise<number> {
  const admins = await adminUids(deps.live);
  const at = siteIso(deps.clock(), deps.settings.timeZone);
  const writes: Record<string, unknown> = {};
  for (const kind of kinds) {
    const id = alertId(callId, kind, call);
    for (const uid of admins) writes[paths.adminAlert(uid, id)] = alertFor(callId, call, kind, at);
  }
  if (admins.length > 0) await deps.live.update(writes);
  return Object.keys(writes).length;
}

/** The escalation timer of a call that turned CRITICAL: its task id is the call's and its falls'. */
async function startEscalationTimer(deps: Deps, callId: string, call: LiveCall): Promise<void> {
  const delaySeconds = deps.settings.escalation.afterSeconds;
  const dueAt = new Date(deps.clock().getTime() + delaySeconds * 1000).toISOString();
  await deps.queue.enqueue(
    QUEUES.escalate,
    { callId, dueAt, rise: fallsOf(call) },
    taskIds.escalate(callId, fallsOf(call)),
    delaySeconds,
  );
}

/** How long an instance keeps the live summary at hand after a fan-out: every call's every change comes here. */
const SUMMARY_KEPT_MS = 60_000;

/**
 * The call's summary row from its current state, in one transaction with the counts. The summary
 * is kept at hand (adapters/liveDb.ts), so the transaction commits in one round trip rather than
 * two; it aborts only on a tombstone, which a stale value at hand cannot invent (a removed call
 * never comes back). Two fan-outs of one call may interleave, the one that read the call first
 * committing last, and a later change that leaves the row alone no longer heals that: so the call
 * is read again after the commit, and the row rebuilt until it stands for the call as stored.
 */
async function updateSummary(deps: Deps, callId: string): Promise<void> {
  const release = deps.live.watch?.(paths.liveSummary, SUMMARY_KEPT_MS);
  try {
    let call = await readCall(deps.live, callId, deps.log);
    for (let attempt = 1; ; attempt++) {
      const written = call;
      const nowMs = deps.clock().getTime();
      await deps.live.transact(
        paths.liveSummary,
        (current) =>
          nextSummary(current as LiveSummary | null, callId, written, nowMs) ?? undefined,
      );
      if (!written || attempt === 3) return;
      call = await readCall(deps.live, callId, deps.log);
      if (call && !summaryRowChanged(written, call)) return;
    }
  } finally {
    release?.();
  }
}
