/** A stacked bar chart of calls per day by urgency, drawn as SVG (no chart library for one chart). */
import { URGENCIES, type DayCounts } from '../core/chart';

const SVG = 'http://www.w3.org/2000/svg';
const COLOURS = { CRITICAL: '#c62828', URGENT: '#ef6c00', NORMAL: '#2e7d32' } as const;

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  text?: string,
) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  if (text !== undefined) el.textContent = text;
  return el;
}

export function callsChart(days: DayCounts[]): SVGSVGElement {
  const width = 640;
  const height = 160;
  const left = 28;
  const bottom = 20;
  const max = Math.max(1, ...days.map((d) => d.CRITICAL + d.URGENT + d.NORMAL));
  const slot = (width - left) / Math.max(1, days.length);
  const scale = (height - bottom - 8) / max;
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': 'Calls per day by urgency',
  });
  chart.append(
    svg('text', { x: 0, y: 12, class: 'axis' }, String(max)),
    svg('text', { x: 0, y: height - bottom, class: 'axis' }, '0'),
  );
  days.forEach((day, i) => {
    let y = height - bottom;
    for (const urgency of URGENCIES.slice().reverse()) {
      const count = day[urgency];
      if (count === 0) continue;
      const h = count * scale;
      y -= h;
      const bar = svg('rect', {
        x: left + i * slot + 1,
        y,
        width: Math.max(1, slot - 2),
        height: h,
        fill: COLOURS[urgency],
        'data-day': day.day,
        'data-urgency': urgency,
        'data-count': count,
      });
      bar.append(svg('title', {}, `${day.day}: ${count} ${urgency}`));
      chart.append(bar);
    }
    if (days.length <= 16 || i % Math.ceil(days.length / 16) === 0) {
      chart.append(
        svg(
          'text',
          { x: left + i * slot + slot / 2, y: height - 4, class: 'axis', 'text-anchor': 'middle' },
          day.day.slice(5),
        ),
      );
    }
  });
  return chart;
}
