/** A small element builder: enough DOM for a handful of views, without a framework. */
type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function')
      el.addEventListener(name.replace(/^on/, '').toLowerCase(), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  el.append(
    ...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false),
  );
  return el;
}

export function replaceChildren(parent: Element, ...children: Child[]) {
  parent.replaceChildren(
    ...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false),
  );
}

/** The message of a failed callable or SDK call, as a person should read it. */
export function errorText(err: unknown): string {
  const message = (err as { message?: string }).message ?? String(err);
  return message.replace(/^Firebase:\s*/, '').replace(/\s*\(auth\/[\w-]+\)\.?$/, '');
}

/**
 * A developer's instruction (an npm command), shown only when the page runs against the local
 * emulators: supervisors on the deployed dashboard never see commands they cannot run.
 */
export function developerHint(text: string): HTMLElement {
  return h(
    'p',
    { class: 'dev-hint', 'data-testid': 'dev-hint' },
    h('span', { class: 'tag' }, 'Local emulators'),
    ' ',
    text,
  );
}

/**
 * Redraws `container` and, if the keyboard focus was on a control inside it, puts the focus back
 * on the same control of the same call or alert: live lists redraw with every message, and a
 * supervisor tabbing through them must not be thrown back to the top of the page.
 */
export function keepingFocus(container: Element, redraw: () => void): void {
  const focused = document.activeElement;
  if (!(focused instanceof HTMLElement) || !container.contains(focused)) return redraw();
  const item = focused.closest<HTMLElement>('[data-alert-id], [data-call-id]');
  const same = (el: HTMLElement) =>
    el.tagName === focused.tagName &&
    el.getAttribute('aria-label') === focused.getAttribute('aria-label') &&
    el.textContent === focused.textContent;
  redraw();
  if (!item || document.activeElement !== document.body) return;
  const selector = item.dataset.alertId
    ? `[data-alert-id="${CSS.escape(item.dataset.alertId)}"]`
    : `[data-call-id="${CSS.escape(item.dataset.callId ?? '')}"]`;
  const again = [
    ...container.querySelectorAll<HTMLElement>(
      `${selector} button, ${selector} a, ${selector} [tabindex]`,
    ),
  ].find(same);
  again?.focus();
}
