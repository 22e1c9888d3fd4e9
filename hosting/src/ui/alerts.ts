/** The admin's alerts, as the fan-out wrote them for this admin alone, with who acknowledged each call. */
import type { Alert, SummaryRow } from '../../../functions/src/model/schema';
import { ALERT_TEXT, acknowledgedBy } from '../core/calls';
import { h, replaceChildren } from './dom';

const SHOWN = 25;

export function renderAlerts(
  list: HTMLElement,
  alerts: Array<Alert & { id: string }>,
  rowOf: (callId: string) => SummaryRow | undefined,
  nameOf: (phone: string) => string | null,
  actions: { open: (callId: string) => void; acknowledge: (callId: string) => void },
) {
  replaceChildren(
    list,
    ...alerts.slice(0, SHOWN).map((alert) => {
      const row = rowOf(alert.call_id);
      const state = !row
        ? h('span', { class: 'ack' }, 'archived')
        : acknowledgedBy(row)
          ? h('span', { class: 'ack', 'data-testid': 'acknowledged-by' }, `acknowledged by ${acknowledgedBy(row)}`)
          : row.status === 'ACTIVE'
            ? h('button', { onclick: () => actions.acknowledge(alert.call_id) }, 'Acknowledge')
            : null;
      return h(
        'li',
        { class: `alert kind-${alert.kind} urgency-${alert.urgency.toLowerCase()}`, 'data-alert-id': alert.id, 'data-kind': alert.kind, 'data-call-id': alert.call_id },
        h('time', { datetime: alert.at }, alert.at.slice(11, 19)),
        h('strong', {}, ALERT_TEXT[alert.kind] ?? alert.kind),
        h('button', { class: 'link', onclick: () => actions.open(alert.call_id) }, `${nameOf(alert.mobile_no) ?? alert.worker_id} ${alert.mobile_no}`),
        alert.kind === 'taken' && alert.admin_id ? h('span', {}, `by ${alert.admin_id}`) : null,
        state,
      );
    }),
  );
  if (alerts.length === 0) replaceChildren(list, h('li', { class: 'empty' }, 'No alerts yet.'));
}
