/** Archived calls from Firestore: filter, page, read a transcript, keep notes, and see calls per day. */
import {
  collection,
  doc,
  getDoc,
  getDocs,
  limit,
  onSnapshot,
  orderBy,
  query,
  startAfter,
  updateDoc,
  where,
  type Firestore,
  type QueryConstraint,
  type QueryDocumentSnapshot,
  type QuerySnapshot,
  type Timestamp,
} from 'firebase/firestore';
import { type ArchivedCall, collections, type LiveMessage, type Urgency } from '@aurora/model';
import { shortDuration } from '../core/calls';
import { speakerLabel } from '../core/voice';
import { callsPerDay, chartRange } from '../core/chart';
import type { SiteClock } from '../core/clock';
import {
  chartSpec,
  filterProblem,
  historySpec,
  type HistoryFilter,
  type QuerySpec,
} from '../core/history';
import type { Firebase } from '../firebase';
import { callsChart } from './chart';
import { errorText, h, replaceChildren } from './dom';
import { fallList } from './falls';
import { listOrCall } from './phone';
import { workerNames, type NameOf } from './workers';

const PAGE_SIZE = 20;
/** The chart counts at most this many calls; a busier range says so. */
const CHART_LIMIT = 5000;
export const FINAL_ACTIONS = [
  'Resolved with Aurora guidance',
  'Supervisor handled',
  'Emergency services called',
  'Bridged to responder',
  'Follow-up needed',
  'No action needed',
];

/** A spec as Firestore constraints; its dates are the site's days (SiteClock.dayStart). */
function constraints(spec: QuerySpec, clock: SiteClock): QueryConstraint[] {
  const list: QueryConstraint[] = spec.equals.map((e) => where(e.field, '==', e.value));
  if (spec.range.atLeast) list.push(where('timestamp', '>=', clock.dayStart(spec.range.atLeast)));
  if (spec.range.before) list.push(where('timestamp', '<', clock.dayStart(spec.range.before)));
  list.push(orderBy(spec.orderBy.field, spec.orderBy.direction));
  return list;
}

/** A labelled form field: the label names the control for screen readers and for a click. */
const field = (label: string, control: HTMLElement) =>
  h('label', { class: 'field' }, h('span', {}, label), control);

/**
 * History: archived calls, newest first. The page shown and the chart are live queries, so a call
 * archived while History is open appears without pressing Search.
 */
export function showHistory(main: HTMLElement, firebase: Firebase, clock: SiteClock): () => void {
  const { firestore } = firebase;
  const urgency = h(
    'select',
    { name: 'urgency' },
    h('option', { value: '' }, 'Any urgency'),
    ...['CRITICAL', 'URGENT', 'NORMAL'].map((u) => h('option', { value: u }, u)),
  );
  const who = h('input', { name: 'who', placeholder: 'worker_017 or +15550100001' });
  const from = h('input', { name: 'from', type: 'date' });
  const to = h('input', { name: 'to', type: 'date' });
  const problem = h('p', { class: 'problem', role: 'alert' });
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter the history' },
    field('Urgency', urgency),
    field('Worker or phone number', who),
    field(`From (site date)`, from),
    field(`To (site date)`, to),
    h('button', { type: 'submit' }, 'Search'),
    problem,
  );
  const chart = h('figure', { class: 'chart', 'data-testid': 'calls-chart' });
  const tbody = h('tbody', {});
  const pager = h('div', { class: 'pager' });
  const placeholder = h('p', { class: 'empty' }, 'Select a call to read it.');
  /** Where the opened call is drawn; the panel around it also holds the phone's way back. */
  const detail = h('div', { class: 'call-body' }, placeholder);
  const list = h(
    'section',
    { class: 'list' },
    h('h2', { id: 'history-title' }, 'History'),
    form,
    chart,
    h(
      'table',
      { class: 'calls', 'data-testid': 'history', 'aria-labelledby': 'history-title' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Started', 'Urgency', 'Caller', 'Duration', 'Final action'].map((t) =>
            h('th', { scope: 'col' }, t),
          ),
        ),
      ),
      tbody,
    ),
    pager,
  );
  const layout = h('div', { class: 'history' }, list);
  const phone = listOrCall(layout, list, 'Back to History', () => {
    const was = selected;
    selected = null;
    replaceChildren(detail, placeholder);
    if (shownPage) drawPage(shownPage);
    if (was)
      tbody.querySelector<HTMLElement>(`tr[data-call-id="${CSS.escape(was)}"] button`)?.focus();
  });
  layout.append(
    h(
      'section',
      { class: 'call-panel', 'aria-label': 'Selected archived call' },
      phone.back,
      detail,
    ),
  );
  replaceChildren(main, layout);

  let filter: HistoryFilter = {};
  // Cursors of the pages shown so far: page n starts after pages[n-1]'s last document.
  let pages: QueryDocumentSnapshot[] = [];
  let current = 0;
  let selected: string | null = null;
  let shownPage: QuerySnapshot | null = null;
  let stopPage: (() => void) | null = null;
  let stopChart: (() => void) | null = null;
  const failed = (err: unknown) =>
    (problem.textContent = `Could not load the history: ${errorText(err)}`);
  const nameOf: NameOf = workerNames(firebase, () => shownPage && drawPage(shownPage));
  const when = (at: Timestamp) => clock.stamp(at.toDate());

  function drawPage(snap: QuerySnapshot) {
    shownPage = snap;
    const docs = snap.docs.slice(0, PAGE_SIZE);
    if (docs.length > 0) pages[current] = docs.at(-1)!;
    replaceChildren(
      tbody,
      ...docs.map((d) => {
        const call = d.data() as ArchivedCall<Timestamp>;
        const name = nameOf(call.mobile_no) ?? call.worker_id;
        return h(
          'tr',
          {
            'data-call-id': d.id,
            class: `urgency-${call.urgency.toLowerCase()}${d.id === selected ? ' selected' : ''}`,
            onclick: (e: Event) => !(e.target as Element).closest('button') && show(d.id),
          },
          h(
            'td',
            {},
            h('time', { datetime: call.timestamp.toDate().toISOString() }, when(call.timestamp)),
          ),
          h('td', {}, h('span', { class: 'badge' }, call.urgency)),
          h(
            'td',
            {},
            h(
              'button',
              {
                type: 'button',
                class: 'link name',
                'aria-current': d.id === selected ? 'true' : null,
                'aria-label': `Open the call from ${name}, ${call.mobile_no}`,
                onclick: () => show(d.id),
              },
              name,
            ),
            h('div', { class: 'number' }, call.mobile_no),
          ),
          h('td', {}, shortDuration(call.duration_seconds * 1000)),
          h('td', { class: 'final-action' }, call.final_action ?? '—'),
        );
      }),
    );
    if (docs.length === 0)
      replaceChildren(
        tbody,
        h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'No archived calls match.')),
      );
    replaceChildren(
      pager,
      h(
        'button',
        { type: 'button', disabled: current === 0, onclick: () => watchPage(current - 1) },
        'Newer',
      ),
      h('span', {}, `Page ${current + 1}`),
      h(
        'button',
        {
          type: 'button',
          disabled: snap.docs.length <= PAGE_SIZE,
          onclick: () => watchPage(current + 1),
        },
        'Older',
      ),
    );
  }

  /** Shows page `page` and keeps it current: an archived call, or an edited one, redraws it. */
  function watchPage(page: number) {
    stopPage?.();
    current = page;
    const after = page > 0 ? [startAfter(pages[page - 1])] : [];
    const q = query(
      collection(firestore, collections.calls),
      ...constraints(historySpec(filter), clock),
      ...after,
      limit(PAGE_SIZE + 1),
    );
    stopPage = onSnapshot(q, drawPage, failed);
  }

  /** The chart of the filter's days, kept current as calls are archived. */
  function watchChart() {
    stopChart?.();
    const range = chartRange(filter.from, filter.to, clock.day(new Date()));
    const q = query(
      collection(firestore, collections.calls),
      ...constraints(chartSpec({ ...filter, ...range }), clock),
      limit(CHART_LIMIT),
    );
    stopChart = onSnapshot(
      q,
      (snap) => {
        const calls = snap.docs
          .map((d) => d.data() as ArchivedCall<Timestamp>)
          .map((c) => ({ at: c.timestamp.toDate(), urgency: c.urgency }));
        replaceChildren(
          chart,
          callsChart(callsPerDay(calls, range.from, range.to, clock.day)),
          h(
            'figcaption',
            {},
            `Calls per day by urgency, ${range.from} to ${range.to} (site days, ${clock.timeZone})${calls.length >= CHART_LIMIT ? ` (first ${CHART_LIMIT} calls)` : ''}`,
          ),
        );
      },
      failed,
    );
  }

  const show = (callId: string) => {
    selected = callId;
    if (shownPage) drawPage(shownPage);
    phone.opened();
    openCall(callId).catch((err: unknown) =>
      replaceChildren(
        detail,
        h('p', { class: 'problem', role: 'alert' }, `Could not load this call: ${errorText(err)}`),
      ),
    );
  };

  async function openCall(callId: string) {
    replaceChildren(detail, h('p', {}, 'Loading…'));
    const callSnap = await getDoc(doc(firestore, collections.calls, callId));
    if (!callSnap.exists())
      return replaceChildren(detail, h('p', {}, 'This call is not in the archive.'));
    const call = callSnap.data() as ArchivedCall<Timestamp>;
    const messages = await archivedMessages(firestore, call.conversation_id);
    replaceChildren(
      detail,
      h(
        'h2',
        {},
        h('span', { class: `badge urgency-${call.urgency.toLowerCase()}` }, call.urgency),
        ` ${nameOf(call.mobile_no) ?? call.worker_id} · ${call.mobile_no}`,
      ),
      h(
        'p',
        {},
        `${when(call.timestamp)} · ${shortDuration(call.duration_seconds * 1000)}${call.admin_id ? ` · taken over by ${call.admin_id}` : ''}`,
      ),
      fallList(call.urgency_falls, clock),
      notesForm(firestore, callId, call),
      h(
        'ol',
        {
          class: 'transcript',
          'data-testid': 'archived-transcript',
          'aria-label': 'Transcript',
          tabindex: 0, // it scrolls once taller than its box: the keyboard must reach it
        },
        ...messages.map((m) =>
          h(
            'li',
            { class: `message role-${m.role}`, 'data-role': m.role },
            // Named as the live view names them: on-call staff and supervisors' spoken words.
            h('span', { class: 'who' }, speakerLabel(m)),
            h('time', { datetime: m.timestamp }, clock.stamp(m.timestamp)),
            h('p', {}, m.content),
            m.sources ? h('div', { class: 'sources' }, `Sources: ${m.sources}`) : null,
          ),
        ),
      ),
    );
  }

  const search = () => {
    const next: HistoryFilter = {
      urgency: (urgency.value || undefined) as Urgency | undefined,
      who: who.value || undefined,
      from: from.value || undefined,
      to: to.value || undefined,
    };
    const wrong = filterProblem(next);
    problem.textContent = wrong ?? '';
    if (wrong) return;
    filter = next;
    pages = [];
    watchPage(0);
    watchChart();
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    search();
  });
  search();
  return () => {
    nameOf.stop();
    stopPage?.();
    stopChart?.();
  };
}

/** The transcript, with any pages a very long call spilled into. */
async function archivedMessages(
  firestore: Firestore,
  conversationId: string,
): Promise<LiveMessage[]> {
  const conversation = await getDoc(doc(firestore, collections.conversations, conversationId));
  const messages = ((conversation.get('messages') as LiveMessage[] | undefined) ?? []).slice();
  const pages = await getDocs(
    query(
      collection(firestore, collections.conversations, conversationId, collections.messagePages),
      orderBy('__name__'),
    ),
  );
  for (const page of pages.docs)
    messages.push(...((page.get('messages') as LiveMessage[] | undefined) ?? []));
  return messages;
}

/** The supervisor's record of the call; the live page query shows the saved final action. */
function notesForm(firestore: Firestore, callId: string, call: ArchivedCall<Timestamp>) {
  const action = h(
    'select',
    { name: 'final_action' },
    h('option', { value: '' }, 'No final action yet'),
    ...FINAL_ACTIONS.map((a) => h('option', { value: a, selected: a === call.final_action }, a)),
  );
  if (call.final_action && !FINAL_ACTIONS.includes(call.final_action))
    action.append(h('option', { value: call.final_action, selected: true }, call.final_action));
  const notes = h('textarea', {
    name: 'admin_notes',
    rows: 3,
    maxlength: 5000,
    placeholder: 'Notes for the record',
  });
  notes.value = call.admin_notes ?? '';
  const status = h('span', { role: 'status', 'data-testid': 'notes-status' });
  const form = h(
    'form',
    { class: 'notes' },
    h('label', {}, 'Final action', action),
    h('label', {}, 'Admin notes', notes),
    h('button', { type: 'submit' }, 'Save'),
    status,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    status.textContent = 'Saving…';
    updateDoc(doc(firestore, collections.calls, callId), {
      final_action: action.value || null,
      admin_notes: notes.value,
    })
      .then(() => (status.textContent = 'Saved.'))
      .catch((err: unknown) => (status.textContent = `Not saved: ${errorText(err)}`));
  });
  return form;
}
