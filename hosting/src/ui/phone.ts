/**
 * One thing at a time on a phone. Where style.css gives the page one column, a view with a list
 * and a call (live calls, History) shows the list, or the call opened from it (the view's
 * `call-open` class) with a button back to the list. On a desktop both stay side by side, the
 * button is not shown, and nothing here moves the page or the focus.
 */
import { h } from './dom';

export function listOrCall(
  layout: HTMLElement,
  list: HTMLElement,
  backLabel: string,
  onBack: () => void,
) {
  /** Whether the layout shows the call alone (a phone): the list is hidden while a call is open. */
  const alone = () =>
    layout.classList.contains('call-open') && getComputedStyle(list).display === 'none';
  const back = h(
    'button',
    { type: 'button', class: 'back', 'data-testid': 'back-to-list' },
    h('span', { 'aria-hidden': 'true' }, '←'),
    backLabel,
  );
  back.addEventListener('click', () => {
    layout.classList.remove('call-open');
    onBack();
  });
  return {
    back,
    /**
     * A call was opened. On a phone it takes the screen from its top, where a supervisor who
     * tapped a row far down the list would otherwise land in its middle, and the focus moves
     * to the way back (the control it was on is hidden).
     */
    opened() {
      layout.classList.add('call-open');
      if (!alone()) return;
      window.scrollTo(0, 0);
      back.focus({ preventScroll: true });
    },
  };
}
