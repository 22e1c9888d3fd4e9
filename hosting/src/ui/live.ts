/**
 * Live calls: the list (from live_summary, which the fan-out keeps: no transcripts are
 * downloaded for it), this admin's alerts, and the call a supervisor opened.
 */
import type { User } from 'firebase/auth';
import { onValue, ref } from 'firebase/database';
import { doc, getDoc } from 'firebase/firestore';
import type { Alert, LiveSummary } from '../../../functions/src/model/schema';
import { collections, paths } from '../../../functions/src/model/paths';
import { acknowledgedBy, alertsNewestFirst, callAge, callRows, holderOf, isAlarming, shortDuration, sinceLastMessage, type CallRow } from '../core/calls';
import { callControl, type Firebase } from '../firebase';
import { clearAlarms, notify, raiseAlarm } from './alarm';
import { renderAlerts } from './alerts';
import { showCall } from './callView';
import { errorText, h, replaceChildren } from './dom';

/** The duration cell: how long the call has lasted, or lasted. */
const ageText = (row: CallRow, now: number) => (row.status === 'ENDED' ? `ended after ${shortDuration(callAge(row, now))}` : shortDuration(callAge(row, now)));
const sinceText = (row: CallRow, now: number) => `${shortDuration(sinceLastMessage(row, now))} ago`;

/** Worker names by phone number, from the Firestore registry; one read per number per page load. */
function workerNames(firebase: Firebase, onName: () => void) {
  const names = new Map<string, string | null>();
  return (phone: string): string | null => {
    if (!names.has(phone)) {
      names.set(phone, null);
      getDoc(doc(firebase.firestore, collections.workers, phone))
        .then((snap) => {
          const name = snap.get('name') as unknown;
          if (typeof name === 'string') {
            names.set(phone, name);
            onName();
          }
        })
        .catch(() => {}); // the number alone still identifies the caller
    }
    return names.get(phone) ?? null;
  };
}

export function showLive(main: HTMLElement, firebase: Firebase, user: User): () => void {
  const control = callControl(firebase);
  const alarms = h('div', { class: 'alarms' });
  const counts = h('div', { class: 'counts', 'data-testid': 'live-counts' });
  const tbody = h('tbody', {});
  const empty = h('p', { class: 'empty' }, 'No live calls. A simulated call: npm run call -- "There\'s a fire in Zone A"');
  const table = h(
    'table',
    { class: 'calls', 'data-testid': 'live-calls' },
    h('thead', {}, h('tr', {}, ...['Urgency', 'Caller', 'Duration', 'Last message', 'Handled by'].map((t) => h('th', {}, t)))),
    tbody,
  );
  const alertList = h('ol', { class: 'alerts', 'data-testid': 'alerts' });
  const alertProblem = h('p', { class: 'problem', role: 'status' });
  const panel = h('section', { class: 'call-panel' }, h('p', { class: 'empty' }, 'Select a call to see its transcript.'));
  replaceChildren(
    main,
    alarms,
    h(
      'div',
      { class: 'live' },
      h('div', {}, h('section', { class: 'list' }, h('h2', {}, 'Live calls ', counts), table, empty), h('section', { class: 'list' }, h('h2', {}, 'Alerts'), alertProblem, alertList)),
      panel,
    ),
  );

  let rows: CallRow[] = [];
  let alerts: Array<Alert & { id: string }> = [];
  const seenAlerts = new Set<string>();
  let summaryLoaded = false;
  /** The alerts already there when the page opened: they raise the banner, not a system notification. */
  let firstAlerts: Set<string> | null = null;
  let selected: string | null = null;
  let closeCall: (() => void) | null = null;
  const nameOf = workerNames(firebase, () => render());
  const rowOf = (callId: string) => rows.find((r) => r.id === callId);
  const label = (callId: string, alert?: Alert) => {
    const row = rowOf(callId) ?? alert;
    return row ? `${nameOf(row.mobile_no) ?? row.worker_id} (${row.mobile_no})` : callId;
  };

  const open = (id: string) => {
    closeCall?.();
    selected = id;
    closeCall = showCall(panel, firebase, user, id, nameOf);
    render();
  };
  const acknowledge = (callId: string) => {
    alertProblem.textContent = '';
    control({ action: 'ack', callId }).catch((err: unknown) => (alertProblem.textContent = `Not acknowledged: ${errorText(err)}`));
  };

  function render() {
    const now = Date.now();
    empty.hidden = rows.length > 0;
    replaceChildren(
      tbody,
      ...rows.map((row) => {
        const holder = holderOf(row);
        return h(
          'tr',
          {
            'data-call-id': row.id,
            'data-urgency': row.urgency,
            class: `urgency-${row.urgency.toLowerCase()}${row.id === selected ? ' selected' : ''}${row.status === 'ENDED' ? ' ended' : ''}`,
            tabindex: 0,
            onclick: () => open(row.id),
            onkeydown: (e: Event) => (e as KeyboardEvent).key === 'Enter' && open(row.id),
          },
          h(
            'td',
            {},
            h('span', { class: 'badge' }, row.urgency),
            row.handoff_requested ? h('span', { class: 'handoff', title: 'Aurora asked for a human' }, ' needs a human') : null,
            row.quiet_since && holderOf(row) ? h('div', { class: 'quiet' }, 'caller quiet') : null,
            row.escalation?.failed ? h('div', { class: 'problem' }, 'escalation failed') : null,
            acknowledgedBy(row)
              ? h('div', { class: 'ack' }, `ack: ${acknowledgedBy(row)}`)
              : row.acknowledged_by
                ? h('div', { class: 'ack stale' }, `ack at ${row.acknowledged_urgency ?? 'NORMAL'} only`)
                : null,
          ),
          h('td', {}, h('div', { class: 'name' }, nameOf(row.mobile_no) ?? row.worker_id), h('div', { class: 'number' }, row.mobile_no)),
          h('td', { 'data-tick': 'age' }, ageText(row, now)),
          h('td', { 'data-tick': 'since' }, sinceText(row, now)),
          h('td', { class: 'holder' }, holder ?? (row.mode === 'human' ? 'a supervisor' : 'Aurora')),
        );
      }),
    );
    renderAlerts(alertList, alerts, rowOf, nameOf, { open, acknowledge });
    clearAlarms(alarms, (callId) => alerts.some((a) => a.call_id === callId && isAlarming(a, rowOf(callId))));
  }

  /** Alarms for alerts not seen before on this page; an escalation also notifies the system. */
  function raiseNewAlarms() {
    if (!summaryLoaded || !firstAlerts) return; // whether an alert still alarms depends on its call's row
    for (const alert of alerts) {
      if (seenAlerts.has(alert.id)) continue;
      seenAlerts.add(alert.id);
      if (!isAlarming(alert, rowOf(alert.call_id))) continue;
      const escalated = alert.kind === 'escalated';
      raiseAlarm(alarms, { alertId: alert.id, callId: alert.call_id, label: label(alert.call_id, alert), escalated }, { open: () => open(alert.call_id), acknowledge: () => acknowledge(alert.call_id) });
      if (escalated && !firstAlerts.has(alert.id)) notify('Aurora: CRITICAL call not acknowledged', `${label(alert.call_id, alert)} needs a supervisor now.`);
    }
  }

  const stopSummary = onValue(ref(firebase.db, paths.liveSummary), (snap) => {
    const summary = snap.val() as LiveSummary | null;
    rows = callRows(summary?.calls ?? null);
    summaryLoaded = true;
    const c = summary?.counts;
    replaceChildren(counts, ...(['CRITICAL', 'URGENT', 'NORMAL'] as const).map((u) => h('span', { class: `count urgency-${u.toLowerCase()}`, 'data-urgency': u }, `${c?.[u] ?? 0} ${u}`)));
    raiseNewAlarms();
    render();
  });
  const stopAlerts = onValue(ref(firebase.db, paths.adminAlerts(user.uid)), (snap) => {
    alerts = alertsNewestFirst(snap.val() as Record<string, Alert> | null);
    firstAlerts ??= new Set(alerts.map((a) => a.id));
    raiseNewAlarms();
    render();
  });
  // Durations move every second; only their cells are rewritten.
  const tick = setInterval(() => {
    const now = Date.now();
    for (const tr of tbody.querySelectorAll<HTMLTableRowElement>('tr[data-call-id]')) {
      const row = rowOf(tr.dataset.callId ?? '');
      if (!row) continue;
      tr.querySelector('[data-tick=age]')!.textContent = ageText(row, now);
      tr.querySelector('[data-tick=since]')!.textContent = sinceText(row, now);
    }
  }, 1000);

  return () => {
    stopSummary();
    stopAlerts();
    clearInterval(tick);
    closeCall?.();
  };
}
