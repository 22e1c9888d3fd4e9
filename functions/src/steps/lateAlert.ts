/**
 * An emergency in words that reached a call after it left the live list (a late turn, a late
 * transcription, lines the recordWords queue appended to the archive): no fan-out sees an
 * archived call, so the supervisors are alerted directly.
 */
import { type Alert, paths, siteIso } from '@aurora/model';
import type { Deps } from '../ports';
import { adminUids } from './liveCalls';
import { UNKNOWN_WORKER } from './recordCall';

/**
 * A CRITICAL call's last words arrived after it was archived: every admin gets a 'critical' alert
 * for it (in the alerts list; the call is in History) and a web push. Never throws.
 */
export async function alertLateEmergency(
  deps: Deps,
  callId: string,
  from: string | undefined,
): Promise<void> {
  try {
    const admins = await adminUids(deps.live);
    const at = siteIso(deps.clock(), deps.settings.timeZone);
    const alert: Alert = {
      call_id: callId,
      kind: 'critical',
      urgency: 'CRITICAL',
      worker_id: UNKNOWN_WORKER,
      mobile_no: from ?? '',
      at,
    };
    if (admins.length > 0)
      await deps.live.update(
        Object.fromEntries(
          admins.map((uid) => [paths.adminAlert(uid, `${callId}~critical-late`), alert]),
        ),
      );
    await deps.push.notify(admins, {
      title: 'CRITICAL words after a call ended',
      body: 'A caller said something critical as their call ended. Open it in History.',
      link: deps.settings.escalation.dashboardUrl,
    });
  } catch (err) {
    deps.log.error('could not alert the admins to a late emergency', {
      callId,
      error: String(err),
    });
  }
}
