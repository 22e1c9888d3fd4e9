import { taskIds } from '@aurora/model/tasks';
import { expiredUsage } from '../core/limits';
import { LiveCall, paths } from '@aurora/model';
import type { Settings } from '../config';
import type { Deps } from '../ports';
import { archiveOrphans, enqueueArchive } from '../steps/archiving';
import { endCallNow } from '../steps/ending';
import { recheckCallerCompany } from '../steps/legs';

export type SweepAction =
  | { kind: 'end-stale'; callId: string; call: LiveCall }
  | { kind: 'redrive-archive'; callId: string; taskId: string };

const MINUTE = 60_000;

/**
 * Pure planner: ENDED calls still live past the stall time get their archival re-driven (one
 * task id per stall window, so a re-drive is never deduplicated away by an earlier one); ACTIVE
 * calls silent past the idle time are ended as if Twilio had said so.
 */
export function planSweep(
  calls: Record<string, LiveCall>,
  now: Date,
  settings: Settings,
): SweepAction[] {
  const actions: SweepAction[] = [];
  const stallMs = settings.archiveStallMinutes * MINUTE;
  for (const [callId, call] of Object.entries(calls)) {
    if (call.status === 'ENDED') {
      const endedMs = Date.parse(call.ended_at ?? call.last_message_at);
      if (now.getTime() - endedMs >= stallMs) {
        const window = Math.floor(now.getTime() / stallMs);
        actions.push({ kind: 'redrive-archive', callId, taskId: taskIds.redrive(callId, window) });
      }
    } else if (
      now.getTime() - Date.parse(call.last_message_at) >=
      settings.staleCallMinutes * MINUTE
    ) {
      actions.push({ kind: 'end-stale', callId, call });
    }
  }
  return actions;
}

/**
 * Whether Twilio says a call that looks idle has ended. A bridged caller moves nothing here
 * while the <Dial> is connected, so silence alone proves nothing; a call Twilio still has, or
 * one Twilio cannot be asked about now, is left for the next sweep.
 */
async function endedAtTwilio(deps: Deps, callId: string, call: LiveCall): Promise<boolean> {
  try {
    if ((await deps.voice.status(call.call_sid)) === 'ended') return true;
    deps.log.info('idle call still in progress at Twilio (bridged?): left open', { callId });
  } catch (err) {
    deps.log.warn('could not ask Twilio about an idle call: left for the next sweep', {
      callId,
      error: String(err),
    });
  }
  return false;
}

/** Alerts are kept a day: long enough for a shift to see what happened, short enough to stay small. */
export const ALERT_RETENTION_MS = 24 * 3600_000;

/** Pure: the admin_alerts paths older than the retention (or unreadable), to delete. */
export function staleAlerts(
  all: Record<string, Record<string, { at?: string } | null>>,
  now: Date,
): string[] {
  const stale: string[] = [];
  for (const [uid, alerts] of Object.entries(all)) {
    for (const [id, alert] of Object.entries(alerts ?? {})) {
      const at = Date.parse(alert?.at ?? '');
      if (!(now.getTime() - at < ALERT_RETENTION_MS)) stale.push(paths.adminAlert(uid, id));
    }
  }
  return stale;
}

/** A call id stays reserved this long; ids name their second, so after a day none can come back. */
export const CALL_ID_RETENTION_MS = 24 * 3600_000;

/**
 * Pure: the call_ids reservations old enough (or unreadable) to drop, with their CallSid's
 * index entry, the call's tombstone: kept as long as the id is reserved.
 */
export function expiredCallIds(
  reservations: Record<string, { at?: number; call_sid?: string } | null>,
  now: Date,
): string[] {
  return Object.entries(reservations)
    .filter(([, r]) => !(typeof r?.at === 'number' && now.getTime() - r.at < CALL_ID_RETENTION_MS))
    .flatMap(([callId, r]) => [
      paths.callIdReservation(callId),
      ...(typeof r?.call_sid === 'string' ? [paths.callSid(r.call_sid)] : []),
    ]);
}

/** Pure: the live calls whose caller is in the conference, for the leaving rule's re-check. */
export const callersInConference = (calls: Record<string, LiveCall>) =>
  Object.entries(calls).filter(
    ([, call]) => call.status === 'ACTIVE' && call.conference?.caller_in === true,
  );

/**
 * The leaving rule's retry: a callback that could not apply it (the database or Twilio refused;
 * Twilio does not send a failed status callback again by default:
 * https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides, Retry Policy) leaves
 * the caller alone in the conference until this sweep. Each caller in a conference has their
 * human legs checked with Twilio and is returned to someone if nobody they hear is left. A call
 * that fails is logged and left for the next sweep; the others go on.
 */
async function recheckConferences(deps: Deps, calls: Record<string, LiveCall>): Promise<void> {
  for (const [callId, call] of callersInConference(calls)) {
    await recheckCallerCompany(deps, callId, call).catch((err: unknown) =>
      deps.log.error('sweeper could not re-check a caller in the conference', {
        callId,
        error: String(err),
      }),
    );
  }
}

/**
 * The scheduled sweeper: plans over every live call, then carries the plan out; archives and
 * removes orphan conversations; prunes old alerts and call id reservations.
 */
export async function sweepCalls(deps: Deps): Promise<SweepAction[]> {
  const raw = (await deps.live.get(paths.activeCalls)) ?? {};
  const calls: Record<string, LiveCall> = {};
  for (const [callId, value] of Object.entries(raw as Record<string, unknown>)) {
    const parsed = LiveCall.safeParse(value);
    if (parsed.success) calls[callId] = parsed.data;
    else deps.log.error('sweeper skipped a malformed live call', { callId });
  }
  const actions = planSweep(calls, deps.clock(), deps.settings);
  for (const action of actions) {
    if (action.kind === 'end-stale') {
      if (!(await endedAtTwilio(deps, action.callId, action.call))) continue;
      await endCallNow(deps, action.callId, action.call, 'stale');
      await enqueueArchive(deps, action.callId, taskIds.archive(action.callId));
    } else {
      await enqueueArchive(deps, action.callId, action.taskId);
    }
  }
  await recheckConferences(deps, calls);
  if (actions.length > 0)
    deps.log.warn('sweeper acted', {
      actions: actions.map(({ kind, callId }) => ({ kind, callId })),
    });
  const alerts = (await deps.live.get(paths.allAdminAlerts)) as
    Parameters<typeof staleAlerts>[0] | null;
  const stale = staleAlerts(alerts ?? {}, deps.clock());
  const reservations = (await deps.live.get(paths.callIds)) as
    Parameters<typeof expiredCallIds>[0] | null;
  await archiveOrphans(deps, new Set(Object.keys(raw)), reservations ?? {}).catch((err: unknown) =>
    deps.log.error('sweeper could not archive orphan conversations', { error: String(err) }),
  );
  const usage = (await deps.live.get(paths.usage)) as Parameters<typeof expiredUsage>[0] | null;
  const expired = [
    ...stale,
    ...expiredCallIds(reservations ?? {}, deps.clock()),
    ...expiredUsage(usage ?? {}, deps.clock()),
  ];
  if (expired.length > 0)
    await deps.live.update(Object.fromEntries(expired.map((path) => [path, null])));
  return actions;
}
