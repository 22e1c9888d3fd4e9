/** The admin's alerts, as the fan-out wrote them for this admin alone, with who acknowledged each call. */
import type { Alert, SummaryRow } from '@aurora/model';
import { ALERT_TEXT, acknowledgedBy } from '../core/calls';
import type { SiteClock } from '../core/clock';
import { h, replaceChildren } from './dom';

const SHOWN = 25;

export function renderAlerts(
  list: HTMLElement,
  alerts: Array<Alert & { id: string }>,
  rowOf: (callId: string) => SummaryRow | undefined,
  nameOf: (phone: string) => string | null,
  clock: SiteClock,
  actions: { open: (callId: string) => void; acknowledge: (callId: string) => void },
) {
  replaceChildren(
    list,
    ...alerts.slice(0, SHOWN).map((alert) => {
      const row = rowOf(alert.call_id);
      const who = `${nameOf(alert.mobile_no) ?? alert.worker_id} ${alert.mobile_no}`;
      const state = !row
        ? h('span', { class: 'ack' }, 'archived')
        : acknowledgedBy(row)
          ? h(
              'span',
              { class: 'ack', 'data-testid': 'acknowledged-by' },
              `acknowledged by ${acknowledgedBy(row)}`,
            )
          : row.status === 'ACTIVE'
            ? h(
                'button',
                {
                  type: 'button',
                  'aria-label': `Acknowledge ${who}`,
                  onclick: () => actions.acknowledge(alert.call_id),
                },
                'Acknowledge',
              )
            : null;
      return h(
        'li',
        {
          class: `alert kind-${alert.kind} urgency-${alert.urgency.toLowerCase()}`,
          'data-alert-id': alert.id,
          'data-kind': alert.kind,
          'data-call-id': alert.call_id,
        },
        h('time', { datetime: alert.at }, clock.stamp(alert.at)),
        h('strong', {}, ALERT_TEXT[alert.kind] ?? alert.kind),
        h(
          'button',
          { type: 'button', class: 'link', onclick: () => actions.open(alert.call_id) },
          who,
        ),
        alert.kind === 'taken' && alert.admin_id ? h('span', {}, `by ${alert.admin_id}`) : null,
        state,
      );
    }),
  );
  if (alerts.length === 0) replaceChildren(list, h('li', { class: 'empty' }, 'No alerts yet.'));
}
