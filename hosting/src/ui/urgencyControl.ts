/**
 * A supervisor's decision on a live call's urgency: a level and a required reason, sent through
 * callControl like the other actions. Lowering asks first, in the page (no browser dialog, so it
 * reads and works like every other control), with Cancel focused: a CRITICAL call lowered by a
 * slip of the keyboard would stop alarming.
 */
import type { LiveCall, Urgency } from '@aurora/model';
import {
  decisionHint,
  lowerPrompt,
  lowers,
  REASON_MAX,
  REASON_MIN,
  URGENCY_CHOICES,
  urgencyDecisionProblem,
} from '../core/urgency';
import type { CallActionOf } from '../firebase';
import { h, replaceChildren } from './dom';

export type UrgencyControlDeps = {
  /** Sends the action as the call's other controls do, showing its outcome or error in their status line. */
  act: (action: CallActionOf, doneText: string) => Promise<boolean>;
  /** Shows a problem with the decision in that same status line. */
  tell: (text: string) => void;
};

export function urgencyControl({ act, tell }: UrgencyControlDeps) {
  const element = h('div', { class: 'controls set-urgency', 'data-testid': 'set-urgency' });
  /** What the supervisor chose and wrote, kept across redraws and a refused send. */
  const draft: { urgency: Urgency | null; reason: string } = { urgency: null, reason: '' };
  /** The lower level waiting for the supervisor's confirmation. */
  let confirming: Urgency | null = null;
  let shown: { call: LiveCall | null; busy: boolean } = { call: null, busy: false };
  let drawnFor = '';
  /** The control that had the keyboard focus when a send disabled it, to get it back afterwards. */
  let lostFocus = '';

  const send = (to: Urgency) => {
    confirming = null;
    void act(
      { action: 'urgency', urgency: to, reason: draft.reason.trim() },
      `Urgency set to ${to}.`,
    ).then((ok) => {
      if (!ok) return;
      draft.urgency = null;
      draft.reason = '';
      redraw(true);
    });
  };

  const cancel = () => {
    confirming = null;
    redraw(true);
    element.querySelector<HTMLElement>('[data-focus-key=level]')?.focus();
  };

  function submit(call: LiveCall) {
    const to = draft.urgency ?? call.urgency;
    const problem = urgencyDecisionProblem(call, to, draft.reason);
    if (problem) {
      tell(problem);
      return;
    }
    if (!lowers(call.urgency, to)) return send(to);
    confirming = to;
    redraw(true);
    element.querySelector<HTMLElement>('[data-focus-key=cancel]')?.focus();
  }

  function confirmation(call: LiveCall, to: Urgency, busy: boolean) {
    const group = h(
      'div',
      { role: 'group', class: 'confirm', 'aria-labelledby': 'set-urgency-confirm' },
      h('p', { id: 'set-urgency-confirm' }, lowerPrompt(call.urgency, to)),
      h('p', { class: 'reason' }, `Your reason: ${draft.reason.trim()}`),
      h(
        'div',
        { class: 'row' },
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            disabled: busy,
            'data-focus-key': 'lower',
            onclick: () => send(to),
          },
          `Lower to ${to}`,
        ),
        h(
          'button',
          { type: 'button', disabled: busy, 'data-focus-key': 'cancel', onclick: cancel },
          'Cancel',
        ),
      ),
    );
    group.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') cancel();
    });
    return group;
  }

  function form(call: LiveCall, busy: boolean) {
    const level = h(
      'select',
      {
        id: 'set-urgency-level',
        name: 'urgency',
        'aria-describedby': 'set-urgency-hint',
        disabled: busy,
        'data-focus-key': 'level',
      },
      ...URGENCY_CHOICES.map((u) =>
        h('option', { value: u, selected: u === (draft.urgency ?? call.urgency) }, u),
      ),
    );
    const reason = h('input', {
      id: 'set-urgency-reason',
      name: 'reason',
      type: 'text',
      autocomplete: 'off',
      'aria-required': 'true',
      maxlength: REASON_MAX,
      placeholder: `At least ${REASON_MIN} characters: what you know and from whom`,
      disabled: busy,
      'data-focus-key': 'reason',
    });
    reason.value = draft.reason;
    level.addEventListener('change', () => (draft.urgency = level.value as Urgency));
    reason.addEventListener('input', () => (draft.reason = reason.value));
    const element = h(
      'form',
      { class: 'urgency', 'aria-label': 'Set urgency' },
      h('label', { for: 'set-urgency-level' }, 'New urgency'),
      h('p', { id: 'set-urgency-hint', class: 'hint' }, decisionHint(call)),
      level,
      h('label', { for: 'set-urgency-reason' }, 'Reason (required)'),
      reason,
      h('button', { type: 'submit', disabled: busy, 'data-focus-key': 'set' }, 'Set urgency'),
    );
    element.addEventListener('submit', (e) => {
      e.preventDefault();
      submit(call);
    });
    return element;
  }

  /** Redrawn only when what it offers changed, so a supervisor's typing and focus survive the call's updates. */
  function redraw(force: boolean) {
    const { call, busy } = shown;
    if (call && confirming && !lowers(call.urgency, confirming)) confirming = null;
    const state = JSON.stringify([
      call && [call.urgency, call.urgency_provisional === true, !!call.question],
      busy,
      confirming,
    ]);
    if (!force && state === drawnFor) return;
    drawnFor = state;
    const focused = document.activeElement;
    const focusKey =
      focused instanceof HTMLElement && element.contains(focused)
        ? (focused.dataset.focusKey ?? '')
        : focused === document.body
          ? lostFocus
          : '';
    lostFocus = '';
    if (!call) return replaceChildren(element);
    replaceChildren(element, confirming ? confirmation(call, confirming, busy) : form(call, busy));
    if (!focusKey) return;
    const again = element.querySelector<HTMLElement>(`[data-focus-key="${focusKey}"]`);
    again?.focus();
    // A disabled control cannot hold focus while the action is sent: it gets it back afterwards.
    if (again && document.activeElement !== again) lostFocus = focusKey;
  }

  return {
    element,
    /** Shows the control for `call`, or nothing (null: the call is over or another supervisor holds it). */
    render(call: LiveCall | null, busy: boolean) {
      shown = { call, busy };
      redraw(false);
    },
  };
}
