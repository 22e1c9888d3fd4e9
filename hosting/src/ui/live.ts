/** Live calls: the list, pushed by the Realtime Database, and the call a supervisor opened. */
import type { User } from 'firebase/auth';
import { onValue, ref } from 'firebase/database';
import { doc, getDoc } from 'firebase/firestore';
import { callAge, callRows, holderOf, newlyCritical, shortDuration, sinceLastMessage, type CallRow, type Urgency } from '../core/calls';
import type { Firebase } from '../firebase';
import { raiseAlarm } from './alarm';
import { showCall } from './callView';
import { h, replaceChildren } from './dom';

/** Worker names by phone number, from the Firestore registry; one read per number per page load. */
function workerNames(firebase: Firebase, onName: () => void) {
  const names = new Map<string, string | null>();
  return (phone: string): string | null => {
    if (!names.has(phone)) {
      names.set(phone, null);
      getDoc(doc(firebase.firestore, 'workers', phone))
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
  const alarms = h('div', { class: 'alarms' });
  const tbody = h('tbody', {});
  const empty = h('p', { class: 'empty' }, 'No live calls. A simulated call: npm run call -- "There\'s a fire in Zone A"');
  const table = h(
    'table',
    { class: 'calls', 'data-testid': 'live-calls' },
    h('thead', {}, h('tr', {}, ...['Urgency', 'Caller', 'Duration', 'Last message', 'Handled by'].map((t) => h('th', {}, t)))),
    tbody,
  );
  const panel = h('section', { class: 'call-panel' }, h('p', { class: 'empty' }, 'Select a call to see its transcript.'));
  replaceChildren(main, alarms, h('div', { class: 'live' }, h('section', { class: 'list' }, h('h2', {}, 'Live calls'), table, empty), panel));

  let rows: CallRow[] = [];
  let selected: string | null = null;
  let closeCall: (() => void) | null = null;
  const seen = new Map<string, Urgency>();
  const nameOf = workerNames(firebase, () => render());

  const open = (id: string) => {
    closeCall?.();
    selected = id;
    closeCall = showCall(panel, firebase, user, id, nameOf);
    render();
  };

  const label = (row: CallRow) => `${nameOf(row.mobile_no) ?? row.worker_id} (${row.mobile_no})`;

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
          h('td', {}, h('span', { class: 'badge' }, row.urgency), row.handoff_requested ? h('span', { class: 'handoff', title: 'Aurora asked for a human' }, ' needs a human') : null),
          h('td', {}, h('div', { class: 'name' }, nameOf(row.mobile_no) ?? row.worker_id), h('div', { class: 'number' }, row.mobile_no)),
          h('td', { 'data-tick': 'age' }, row.status === 'ENDED' ? `ended after ${shortDuration(callAge(row, now))}` : shortDuration(callAge(row, now))),
          h('td', { 'data-tick': 'since' }, `${shortDuration(sinceLastMessage(row, now))} ago`),
          h('td', { class: 'holder' }, holder ?? (row.mode === 'human' ? 'a supervisor' : 'Aurora')),
        );
      }),
    );
  }

  const stop = onValue(ref(firebase.db, 'active_calls'), (snap) => {
    rows = callRows(snap.val() as Record<string, unknown> | null);
    for (const row of newlyCritical(seen, rows)) raiseAlarm(alarms, { id: row.id, label: label(row) }, () => open(row.id));
    seen.clear();
    for (const row of rows) seen.set(row.id, row.urgency);
    render();
  });
  // Durations move every second; only their cells are rewritten.
  const tick = setInterval(() => {
    const now = Date.now();
    for (const tr of tbody.querySelectorAll<HTMLTableRowElement>('tr[data-call-id]')) {
      const row = rows.find((r) => r.id === tr.dataset.callId);
      if (!row) continue;
      const age = tr.querySelector('[data-tick=age]')!;
      age.textContent = row.status === 'ENDED' ? `ended after ${shortDuration(callAge(row, now))}` : shortDuration(callAge(row, now));
      tr.querySelector('[data-tick=since]')!.textContent = `${shortDuration(sinceLastMessage(row, now))} ago`;
    }
  }, 1000);

  return () => {
    stop();
    clearInterval(tick);
    closeCall?.();
  };
}
