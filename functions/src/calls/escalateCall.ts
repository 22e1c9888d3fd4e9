import { AuroraError } from '../core/errors';
import { paths } from '../model/paths';
import type { LiveCall } from '../model/schema';
import { siteIso } from '../core/time';
import type { Deps, EscalationTask } from '../ports';
import { adminUids, changeCall, readCall } from './liveCalls';

export type EscalationOutcome = 'not-needed' | 'escalated';

/** A call escalates while it is live, unacknowledged, and not yet escalated. */
const awaitsEscalation = (call: LiveCall) => call.status === 'ACTIVE' && !call.acknowledged_by && !call.escalated_at;

/**
 * The escalation timer of a CRITICAL call. When it is due and nobody has acknowledged or
 * taken the call, it claims the escalation on the call (once per call, in a transaction),
 * texts the on-call numbers and pushes to the admins' browsers. A task that runs early (the
 * tasks emulator ignores schedule delays) fails retryably until it is due.
 */
export async function escalateCall(task: EscalationTask, deps: Deps): Promise<EscalationOutcome> {
  const call = await readCall(deps.live, task.callId, deps.log);
  if (!call || !awaitsEscalation(call)) return 'not-needed';
  const waitMs = Date.parse(task.dueAt) - deps.clock().getTime();
  if (waitMs > 0) throw new AuroraError(`escalation not due for ${Math.ceil(waitMs / 1000)} s`, { retryable: true });

  const nowIso = siteIso(deps.clock(), deps.settings.timeZone);
  const claimed = await changeCall(deps.live, task.callId, (current) => (awaitsEscalation(current) ? { escalated_at: nowIso } : undefined));
  if (!claimed) return 'not-needed';

  const { onCallNumbers, dashboardUrl, afterSeconds } = deps.settings.escalation;
  const caller = call.worker_id === 'unknown' ? call.mobile_no : `${call.worker_id} (${call.mobile_no})`;
  const text = `Aurora CRITICAL call from ${caller}, not acknowledged after ${afterSeconds} s. Open ${dashboardUrl}`;
  const sent = await Promise.allSettled(onCallNumbers.map((to) => deps.sms.send(to, text)));
  const failed = sent.filter((r) => r.status === 'rejected').length;
  if (onCallNumbers.length > 0 && failed === onCallNumbers.length) {
    // Nobody was reached: give the claim back so the retry tries again.
    await deps.live.update({ [`${paths.call(task.callId)}/escalated_at`]: null });
    throw new AuroraError('no escalation SMS could be sent', { retryable: true, cause: (sent[0] as PromiseRejectedResult).reason });
  }
  if (failed > 0) deps.log.error('some escalation SMS failed', { callId: task.callId, failed, of: onCallNumbers.length });
  if (onCallNumbers.length === 0) deps.log.warn('escalation with no on-call numbers configured (ON_CALL_NUMBERS)', { callId: task.callId });

  const admins = await adminUids(deps.live);
  const pushed = await deps.push
    .notify(admins, { title: 'CRITICAL call not acknowledged', body: `${caller} needs a supervisor now.`, link: dashboardUrl })
    .catch((err: unknown) => {
      deps.log.error('escalation web push failed', { callId: task.callId, error: String(err) });
      return 0;
    });
  deps.log.warn('call escalated', { callId: task.callId, sms: onCallNumbers.length - failed, pushed });
  return 'escalated';
}
