/**
 * Live calls: the list (from live_summary, which the fan-out keeps: no transcripts are
 * downloaded for it), this admin's alerts, and the call a supervisor opened.
 */
import type { User } from 'firebase/auth';
import { onValue, ref } from 'firebase/database';
import { type Alert, type LiveSummary, paths } from '@aurora/model';
import {
  acknowledgedBy,
  alertsNewestFirst,
  callAge,
  callRows,
  holderOf,
  shortDuration,
  sinceLastMessage,
  type CallRow,
} from '../core/calls';
import type { SiteClock } from '../core/clock';
import { urgencyLabel } from '../core/urgency';
import { callControl, type Firebase } from '../firebase';
import { renderAlerts } from './alerts';
import { showCall } from './callView';
import { developerHint, errorText, h, keepingFocus, replaceChildren } from './dom';
import { listOrCall } from './phone';
import { workerNames } from './workers';

/** The duration cell: how long the call has lasted, or lasted. */
const ageText = (row: CallRow, now: number) =>
  row.status === 'ENDED'
    ? `ended after ${shortDuration(callAge(row, now))}`
    : shortDuration(callAge(row, now));
const sinceText = (row: CallRow, now: number) => `${shortDuration(sinceLastMessage(row, now))} ago`;

/** The live view; `initialCall` opens that call at once (the alarm banner's Open, from another tab). */
export function showLive(
  main: HTMLElement,
  firebase: Firebase,
  user: User,
  clock: SiteClock,
  initialCall?: string,
): () => void {
  const control = callControl(firebase);
  const counts = h('div', { class: 'counts', 'data-testid': 'live-counts' });
  const tbody = h('tbody', {});
  const empty = h(
    'div',
    { class: 'empty' },
    h('p', {}, 'No live calls right now. A new call appears here as soon as it is answered.'),
    firebase.local
      ? developerHint('Simulate a call: npm run call -- "There\'s a fire in Zone A"')
      : null,
  );
  const table = h(
    'table',
    { class: 'calls', 'data-testid': 'live-calls', 'aria-labelledby': 'live-calls-title' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Urgency', 'Caller', 'Duration', 'Last message', 'Handled by'].map((t) =>
          h('th', { scope: 'col' }, t),
        ),
      ),
    ),
    tbody,
  );
  const alertList = h('ol', {
    class: 'alerts',
    'data-testid': 'alerts',
    'aria-labelledby': 'alerts-title',
  });
  const alertProblem = h('p', { class: 'problem', role: 'status' });
  const placeholder = h('p', { class: 'empty' }, 'Select a call to see its transcript.');
  /** Where the opened call is drawn; the panel around it also holds the phone's way back. */
  const panel = h('div', { class: 'call-body' }, placeholder);
  const lists = h(
    'div',
    {},
    h(
      'section',
      { class: 'list' },
      h('h2', { id: 'live-calls-title' }, 'Live calls ', counts),
      table,
      empty,
    ),
    h(
      'section',
      { class: 'list' },
      h('h2', { id: 'alerts-title' }, 'Alerts'),
      alertProblem,
      alertList,
    ),
  );
  const layout = h('div', { class: 'live' }, lists);
  const phone = listOrCall(layout, lists, 'Back to live calls', () => close());
  layout.append(
    h('section', { class: 'call-panel', 'aria-label': 'Selected call' }, phone.back, panel),
  );
  replaceChildren(main, layout);

  let rows: CallRow[] = [];
  let alerts: Array<Alert & { id: string }> = [];
  let selected: string | null = null;
  let closeCall: (() => void) | null = null;
  const nameOf = workerNames(firebase, () => render());
  const rowOf = (callId: string) => rows.find((r) => r.id === callId);
  const open = (id: string) => {
    closeCall?.();
    selected = id;
    closeCall = showCall(panel, firebase, user, id, nameOf, clock);
    render();
    phone.opened();
  };
  /** Back to the list (a phone's way back): the focus returns to the call's row. */
  const close = () => {
    const was = selected;
    closeCall?.();
    closeCall = null;
    selected = null;
    replaceChildren(panel, placeholder);
    render();
    if (was)
      tbody.querySelector<HTMLElement>(`tr[data-call-id="${CSS.escape(was)}"] button`)?.focus();
  };
  const acknowledge = (callId: string) => {
    alertProblem.textContent = '';
    control({ action: 'ack', callId }).catch(
      (err: unknown) => (alertProblem.textContent = `Not acknowledged: ${errorText(err)}`),
    );
  };

  function render() {
    const now = Date.now();
    empty.hidden = rows.length > 0;
    keepingFocus(tbody, () =>
      replaceChildren(
        tbody,
        ...rows.map((row) => {
          const holder = holderOf(row);
          const name = nameOf(row.mobile_no) ?? row.worker_id;
          return h(
            'tr',
            {
              'data-call-id': row.id,
              'data-urgency': row.urgency,
              'data-unconfirmed': row.urgency_provisional === true,
              class: `urgency-${row.urgency.toLowerCase()}${row.id === selected ? ' selected' : ''}${row.status === 'ENDED' ? ' ended' : ''}`,
              // The whole row is a target for the mouse; the caller's name is the button for the keyboard.
              onclick: (e: Event) => !(e.target as Element).closest('button') && open(row.id),
            },
            h(
              'td',
              {},
              h(
                'span',
                { class: `badge${row.urgency_provisional ? ' unconfirmed' : ''}` },
                urgencyLabel(row),
              ),
              row.handoff_requested
                ? h(
                    'span',
                    { class: 'handoff', title: 'Aurora asked for a human' },
                    ' needs a human',
                  )
                : null,
              row.quiet_since && row.status === 'ACTIVE'
                ? h('div', { class: 'quiet' }, 'caller quiet')
                : null,
              row.escalation?.failed ? h('div', { class: 'problem' }, 'escalation failed') : null,
              acknowledgedBy(row)
                ? h('div', { class: 'ack' }, `ack: ${acknowledgedBy(row)}`)
                : row.acknowledged_by
                  ? h(
                      'div',
                      { class: 'ack stale' },
                      `ack at ${row.acknowledged_urgency ?? 'NORMAL'} only`,
                    )
                  : null,
            ),
            h(
              'td',
              {},
              h(
                'button',
                {
                  type: 'button',
                  class: 'link name',
                  'aria-current': row.id === selected ? 'true' : null,
                  'aria-label': `Open the call from ${name}, ${row.mobile_no}`,
                  onclick: () => open(row.id),
                },
                name,
              ),
              h('div', { class: 'number' }, row.mobile_no),
            ),
            h('td', { 'data-tick': 'age' }, ageText(row, now)),
            h('td', { 'data-tick': 'since' }, sinceText(row, now)),
            h(
              'td',
              { class: 'holder' },
              holder ?? (row.mode === 'human' ? 'a supervisor' : 'Aurora'),
            ),
          );
        }),
      ),
    );
    keepingFocus(alertList, () =>
      renderAlerts(alertList, alerts, rowOf, nameOf, clock, { open, acknowledge }),
    );
  }

  const stopSummary = onValue(ref(firebase.db, paths.liveSummary), (snap) => {
    const summary = snap.val() as LiveSummary | null;
    rows = callRows(summary?.calls ?? null);
    const c = summary?.counts;
    replaceChildren(
      counts,
      ...(['CRITICAL', 'URGENT', 'NORMAL'] as const).map((u) =>
        h(
          'span',
          { class: `count urgency-${u.toLowerCase()}`, 'data-urgency': u },
          `${c?.[u] ?? 0} ${u}`,
        ),
      ),
    );
    render();
  });
  const stopAlerts = onValue(ref(firebase.db, paths.adminAlerts(user.uid)), (snap) => {
    alerts = alertsNewestFirst(snap.val() as Record<string, Alert> | null);
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

  if (initialCall) open(initialCall);

  return () => {
    nameOf.stop();
    stopSummary();
    stopAlerts();
    clearInterval(tick);
    closeCall?.();
  };
}
