/** The falls in a call's urgency, live or archived: each with who decided it and why. */
import type { UrgencyFall } from '@aurora/model';
import type { SiteClock } from '../core/clock';
import { fallLines } from '../core/urgency';
import { h } from './dom';

/** The list of falls, oldest first, on the site's clock (null: the urgency never fell). */
export function fallList(
  falls: Record<string, UrgencyFall> | UrgencyFall[] | null | undefined,
  clock: SiteClock,
): HTMLElement | null {
  const lines = fallLines(falls, (at) => clock.stamp(at));
  if (lines.length === 0) return null;
  return h(
    'section',
    { class: 'falls', 'aria-labelledby': 'urgency-falls-title' },
    h('h3', { id: 'urgency-falls-title' }, 'Urgency lowered'),
    h('ul', { 'data-testid': 'urgency-falls' }, ...lines.map((line) => h('li', {}, line))),
  );
}
