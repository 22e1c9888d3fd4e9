/**
 * The alarm for the whole dashboard, whichever tab is open: a supervisor reading History must
 * hear and see a new CRITICAL call as surely as one watching the live list. It keeps its own
 * listeners on the live summary and this admin's alerts (the SDK shares one subscription per
 * path with the live view), shows the one banner above every view, and raises the system
 * notification for an escalation that arrives while the page is open.
 */
import type { User } from 'firebase/auth';
import { onValue, ref } from 'firebase/database';
import { type Alert, type LiveSummary, paths } from '@aurora/model';
import { alarmEntries } from '../core/alarms';
import { alertsNewestFirst, callRows, isAlarming, type CallRow } from '../core/calls';
import type { SiteClock } from '../core/clock';
import { callControl, type Firebase } from '../firebase';
import { alarmBanner, notify } from './alarm';
import { errorText, h } from './dom';
import { workerNames } from './workers';

export function watchAlarms(
  firebase: Firebase,
  user: User,
  clock: SiteClock,
  openCall: (callId: string) => void,
) {
  const control = callControl(firebase);
  let rows: CallRow[] = [];
  let alerts: Array<Alert & { id: string }> = [];
  let summaryLoaded = false;
  /** The alerts already there when the page opened: they raise the banner, not a system notification. */
  let firstAlerts: Set<string> | null = null;
  const seenAlerts = new Set<string>();
  const dismissed = new Set<string>();
  const problem = h('p', { class: 'problem', role: 'alert', 'data-testid': 'alarm-problem' });
  const rowOf = (callId: string) => rows.find((r) => r.id === callId);
  const nameOf = workerNames(firebase, () => update());
  const label = (callId: string) => {
    const who = rowOf(callId) ?? alerts.find((a) => a.call_id === callId);
    return who ? `${nameOf(who.mobile_no) ?? who.worker_id} (${who.mobile_no})` : callId;
  };
  const banner = alarmBanner({
    open: openCall,
    acknowledge: (callId) => {
      problem.textContent = '';
      control({ action: 'ack', callId }).catch(
        (err: unknown) => (problem.textContent = `Not acknowledged: ${errorText(err)}`),
      );
    },
    dismiss: (alertId) => {
      dismissed.add(alertId);
      update();
    },
    label,
    stamp: (at) => clock.stamp(at),
  });
  banner.element.append(problem);

  function update() {
    // Whether an alert still alarms depends on its call's row: nothing before both have loaded.
    if (!summaryLoaded || !firstAlerts) return;
    banner.update(alarmEntries(alerts, rowOf, dismissed));
    for (const alert of alerts) {
      if (seenAlerts.has(alert.id)) continue;
      seenAlerts.add(alert.id);
      if (
        alert.kind === 'escalated' &&
        !firstAlerts.has(alert.id) &&
        isAlarming(alert, rowOf(alert.call_id))
      ) {
        notify(
          'Aurora: CRITICAL call not acknowledged',
          `${label(alert.call_id)} needs a supervisor now.`,
        );
      }
    }
  }

  const stopSummary = onValue(ref(firebase.db, paths.liveSummary), (snap) => {
    rows = callRows((snap.val() as LiveSummary | null)?.calls ?? null);
    summaryLoaded = true;
    update();
  });
  const stopAlerts = onValue(ref(firebase.db, paths.adminAlerts(user.uid)), (snap) => {
    alerts = alertsNewestFirst(snap.val() as Record<string, Alert> | null);
    firstAlerts ??= new Set(alerts.map((a) => a.id));
    update();
  });

  return {
    element: banner.element,
    stop: () => {
      nameOf.stop();
      stopSummary();
      stopAlerts();
      banner.update([]);
    },
  };
}
