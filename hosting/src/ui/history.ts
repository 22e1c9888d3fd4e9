/** Archived calls from Firestore: filter, page, read a transcript, keep notes, and see calls per day. */
import {
  collection,
  doc,
  getDoc,
  getDocs,
  limit,
  orderBy,
  query,
  startAfter,
  updateDoc,
  where,
  type Firestore,
  type QueryConstraint,
  type QueryDocumentSnapshot,
  type Timestamp,
} from 'firebase/firestore';
import type { ArchivedCall, LiveMessage, Urgency } from '../../../functions/src/model/schema';
import { collections } from '../../../functions/src/model/paths';
import { ROLE_LABEL, shortDuration } from '../core/calls';
import { callsPerDay, chartRange } from '../core/chart';
import { chartSpec, dayStart, filterProblem, historySpec, localDate, type HistoryFilter, type QuerySpec } from '../core/history';
import type { Firebase } from '../firebase';
import { callsChart } from './chart';
import { errorText, h, replaceChildren } from './dom';

const PAGE_SIZE = 20;
/** The chart counts at most this many calls; a busier range says so. */
const CHART_LIMIT = 5000;
export const FINAL_ACTIONS = ['Resolved with Aurora guidance', 'Supervisor handled', 'Emergency services called', 'Bridged to responder', 'Follow-up needed', 'No action needed'];


function constraints(spec: QuerySpec): QueryConstraint[] {
  const list: QueryConstraint[] = spec.equals.map((e) => where(e.field, '==', e.value));
  if (spec.range.atLeast) list.push(where('timestamp', '>=', dayStart(spec.range.atLeast)));
  if (spec.range.before) list.push(where('timestamp', '<', dayStart(spec.range.before)));
  list.push(orderBy(spec.orderBy.field, spec.orderBy.direction));
  return list;
}

const today = () => localDate(new Date());
const when = (at: Timestamp) => {
  const d = at.toDate();
  return `${localDate(d)} ${d.toTimeString().slice(0, 8)}`;
};

export function showHistory(main: HTMLElement, firebase: Firebase): () => void {
  const { firestore } = firebase;
  const urgency = h('select', { name: 'urgency' }, h('option', { value: '' }, 'Any urgency'), ...['CRITICAL', 'URGENT', 'NORMAL'].map((u) => h('option', { value: u }, u)));
  const who = h('input', { name: 'who', placeholder: 'worker id or phone number' });
  const from = h('input', { name: 'from', type: 'date' });
  const to = h('input', { name: 'to', type: 'date' });
  const problem = h('p', { class: 'problem', role: 'alert' });
  const form = h('form', { class: 'filters' }, urgency, who, from, to, h('button', { type: 'submit' }, 'Search'), problem);
  const chart = h('figure', { class: 'chart', 'data-testid': 'calls-chart' });
  const tbody = h('tbody', {});
  const pager = h('div', { class: 'pager' });
  const detail = h('section', { class: 'call-panel' }, h('p', { class: 'empty' }, 'Select a call to read it.'));
  replaceChildren(
    main,
    h(
      'div',
      { class: 'history' },
      h(
        'section',
        { class: 'list' },
        h('h2', {}, 'History'),
        form,
        chart,
        h('table', { class: 'calls', 'data-testid': 'history' }, h('thead', {}, h('tr', {}, ...['Started', 'Urgency', 'Caller', 'Duration', 'Final action'].map((t) => h('th', {}, t)))), tbody),
        pager,
      ),
      detail,
    ),
  );

  let filter: HistoryFilter = {};
  // Cursors of the pages shown so far: page n starts after pages[n-1]'s last document.
  let pages: QueryDocumentSnapshot[] = [];
  let active = true;
  let current = 0;

  async function loadPage(page: number) {
    current = page;
    const spec = historySpec(filter);
    const after = page > 0 ? [startAfter(pages[page - 1])] : [];
    const snap = await getDocs(query(collection(firestore, collections.calls), ...constraints(spec), ...after, limit(PAGE_SIZE + 1)));
    if (!active) return;
    const docs = snap.docs.slice(0, PAGE_SIZE);
    if (docs.length > 0) pages[page] = docs.at(-1)!;
    replaceChildren(
      tbody,
      ...docs.map((d) => {
        const call = d.data() as ArchivedCall<Timestamp>;
        return h(
          'tr',
          { 'data-call-id': d.id, class: `urgency-${call.urgency.toLowerCase()}`, tabindex: 0, onclick: () => show(d.id), onkeydown: (e: Event) => (e as KeyboardEvent).key === 'Enter' && show(d.id) },
          h('td', {}, when(call.timestamp)),
          h('td', {}, h('span', { class: 'badge' }, call.urgency)),
          h('td', {}, h('div', {}, call.worker_id), h('div', { class: 'number' }, call.mobile_no)),
          h('td', {}, shortDuration(call.duration_seconds * 1000)),
          h('td', { class: 'final-action' }, call.final_action ?? '—'),
        );
      }),
    );
    if (docs.length === 0) replaceChildren(tbody, h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'No archived calls match.')));
    replaceChildren(
      pager,
      h('button', { disabled: page === 0, onclick: () => void loadPage(page - 1) }, 'Newer'),
      h('span', {}, `Page ${page + 1}`),
      h('button', { disabled: snap.docs.length <= PAGE_SIZE, onclick: () => void loadPage(page + 1) }, 'Older'),
    );
  }

  async function loadChart() {
    const range = chartRange(filter.from, filter.to, today());
    const spec = chartSpec({ ...filter, ...range });
    const snap = await getDocs(query(collection(firestore, collections.calls), ...constraints(spec), limit(CHART_LIMIT)));
    if (!active) return;
    const calls = snap.docs.map((d) => d.data() as ArchivedCall<Timestamp>).map((c) => ({ at: c.timestamp.toDate(), urgency: c.urgency }));
    replaceChildren(
      chart,
      callsChart(callsPerDay(calls, range.from, range.to)),
      h('figcaption', {}, `Calls per day by urgency, ${range.from} to ${range.to}${calls.length >= CHART_LIMIT ? ` (first ${CHART_LIMIT} calls)` : ''}`),
    );
  }

  const show = (callId: string) => {
    openCall(callId).catch((err: unknown) => replaceChildren(detail, h('p', { class: 'problem', role: 'alert' }, `Could not load this call: ${errorText(err)}`)));
  };

  async function openCall(callId: string) {
    replaceChildren(detail, h('p', {}, 'Loading…'));
    const callSnap = await getDoc(doc(firestore, collections.calls, callId));
    if (!callSnap.exists()) return replaceChildren(detail, h('p', {}, 'This call is not in the archive.'));
    const call = callSnap.data() as ArchivedCall<Timestamp>;
    const messages = await archivedMessages(firestore, call.conversation_id);
    replaceChildren(
      detail,
      h('h2', {}, h('span', { class: `badge urgency-${call.urgency.toLowerCase()}` }, call.urgency), ` ${call.worker_id} · ${call.mobile_no}`),
      h('p', {}, `${when(call.timestamp)} · ${shortDuration(call.duration_seconds * 1000)}${call.admin_id ? ` · taken over by ${call.admin_id}` : ''}`),
      notesForm(firestore, callId, call, () => void loadPage(current)),
      h(
        'ol',
        { class: 'transcript', 'data-testid': 'archived-transcript' },
        ...messages.map((m) =>
          h('li', { class: `message role-${m.role}`, 'data-role': m.role }, h('span', { class: 'who' }, ROLE_LABEL[m.role] ?? m.role), h('time', {}, m.timestamp.slice(11, 19)), h('p', {}, m.content), m.sources ? h('div', { class: 'sources' }, `Sources: ${m.sources}`) : null),
        ),
      ),
    );
  }

  const search = () => {
    const next: HistoryFilter = { urgency: (urgency.value || undefined) as Urgency | undefined, who: who.value || undefined, from: from.value || undefined, to: to.value || undefined };
    const wrong = filterProblem(next);
    problem.textContent = wrong ?? '';
    if (wrong) return;
    filter = next;
    pages = [];
    const failed = (err: unknown) => (problem.textContent = `Could not load the history: ${errorText(err)}`);
    loadPage(0).catch(failed);
    loadChart().catch(failed);
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    search();
  });
  search();
  return () => {
    active = false;
  };
}

/** The transcript, with any pages a very long call spilled into. */
async function archivedMessages(firestore: Firestore, conversationId: string): Promise<LiveMessage[]> {
  const conversation = await getDoc(doc(firestore, collections.conversations, conversationId));
  const messages = ((conversation.get('messages') as LiveMessage[] | undefined) ?? []).slice();
  const pages = await getDocs(query(collection(firestore, collections.conversations, conversationId, collections.messagePages), orderBy('__name__')));
  for (const page of pages.docs) messages.push(...((page.get('messages') as LiveMessage[] | undefined) ?? []));
  return messages;
}

function notesForm(firestore: Firestore, callId: string, call: ArchivedCall<Timestamp>, saved: () => void) {
  const action = h('select', { name: 'final_action' }, h('option', { value: '' }, 'No final action yet'), ...FINAL_ACTIONS.map((a) => h('option', { value: a, selected: a === call.final_action }, a)));
  if (call.final_action && !FINAL_ACTIONS.includes(call.final_action)) action.append(h('option', { value: call.final_action, selected: true }, call.final_action));
  const notes = h('textarea', { name: 'admin_notes', rows: 3, maxlength: 5000, placeholder: 'Notes for the record' });
  notes.value = call.admin_notes ?? '';
  const status = h('span', { role: 'status', 'data-testid': 'notes-status' });
  const form = h('form', { class: 'notes' }, h('label', {}, 'Final action', action), h('label', {}, 'Admin notes', notes), h('button', { type: 'submit' }, 'Save'), status);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    status.textContent = 'Saving…';
    updateDoc(doc(firestore, collections.calls, callId), { final_action: action.value || null, admin_notes: notes.value })
      .then(() => {
        status.textContent = 'Saved.';
        saved();
      })
      .catch((err: unknown) => (status.textContent = `Not saved: ${errorText(err)}`));
  });
  return form;
}
