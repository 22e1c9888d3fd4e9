/**
 * A supervisor's own voice on the open call (issue 24): Talk from this browser, Listen in muted
 * and Speak up, Call me on the registered phone, a warm Transfer to on-call staff, Leave; and who
 * is on the call, leg by leg, and where the caller is. The voice itself goes through the page's
 * VoiceClient; everything else through callControl, as the call's other controls do.
 */
import type { CallControlResult, LiveCall, LiveMessage } from '@aurora/model';
import { holderOf } from '../core/calls';
import {
  browserLegWithCaller,
  callerLine,
  callerUnheard,
  e164,
  knownOnCallNumbers,
  listenBlocked,
  leaveLabel,
  memberLine,
  membersOf,
  myLiveLegs,
  muteLabel,
  notConnectedReason,
  refusalText,
  talkBlocked,
  voiceProblemText,
  voiceStateText,
} from '../core/voice';
import type { CallActionOf } from '../firebase';
import { isOnCall, type VoiceClient, type VoiceState } from '../voice/voiceClient';
import { h, replaceChildren } from './dom';

export type VoiceControlsDeps = {
  voice: VoiceClient;
  /**
   * Sends an action as the call's other controls do, its outcome or error in their status line:
   * the functions' result, or null when they refused it. `notReachedText`: the status line's words
   * when Twilio no longer had what the action was for (`reached: false`).
   */
  act: (action: CallActionOf, notReachedText?: string) => Promise<CallControlResult | null>;
  /** This supervisor's admin id, as the call's `admin_id` and the conference's members name them. */
  me: string;
  callId: string;
};

/** Sets the text only when it changed: a live region announces every change, and the call updates with every word. */
function setText(element: HTMLElement, text: string) {
  if (element.textContent !== text) element.textContent = text;
}

export function voiceControls({ voice, act, me, callId }: VoiceControlsDeps) {
  const stateLine = h('p', { class: 'voice-state', role: 'status', 'data-testid': 'voice-state' });
  const problem = h('p', { class: 'problem', role: 'alert', 'data-testid': 'voice-problem' });
  const actions = h('div', { class: 'controls voice-actions' });
  const callerWhere = h('p', { class: 'caller-where', 'data-testid': 'caller-where' });
  const roster = h('ul', {
    class: 'roster',
    'data-testid': 'conference-members',
    'aria-labelledby': 'voice-roster-title',
  });
  const element = h(
    'section',
    { class: 'voice', 'aria-labelledby': 'voice-title', 'data-testid': 'voice' },
    h('h3', { id: 'voice-title' }, 'Voice'),
    stateLine,
    problem,
    actions,
    h('h4', { id: 'voice-roster-title' }, 'Who is on the call'),
    callerWhere,
    roster,
  );

  let call: LiveCall | null = null;
  let busy = false;
  /**
   * Since the last connect: whether the record ever had this browser's leg with the caller, the
   * transcript's word on why it could not be connected, and, once it closed from the far end
   * without reaching the caller, why Aurora refused it.
   */
  let reachedCaller = false;
  let notConnected: string | null = null;
  let refusal: string | null = null;
  /** What the transfer field holds, kept across redraws and a refused transfer. */
  let draft = '';
  let drawnFor = '';
  /** The control that had the keyboard focus when a send disabled it, to give it back afterwards. */
  let lostFocus: string | undefined;

  const here = (state: VoiceState) => state.callId === callId && isOnCall(state);
  const elsewhere = (state: VoiceState) => state.callId !== callId && isOnCall(state);
  const holding = () => (call ? holderOf(call) : null) === me;

  /** A failure says what happened and what still works: typing when the supervisor holds the call. */
  function failed(state: VoiceState) {
    // Talk took the call before connecting, so typing is the supervisor's whatever the push says yet.
    problem.textContent = voiceProblemText(
      state.reason ?? 'Your voice could not join the call.',
      state.mode === 'talk' || holding(),
    );
  }

  /**
   * The leg closed from the far end before the record ever had it with the caller: the SDK's
   * connection opened (Twilio answered the TwiML App), then the functions refused the leg.
   */
  function refused(state: VoiceState) {
    refusal = refusalText(call, me, state.mode, notConnected);
    // Seconds after the connect, the record is current: typing is theirs only if they hold the call.
    problem.textContent = voiceProblemText(refusal, holding());
  }

  async function talk() {
    problem.textContent = '';
    if (!call) return;
    // Talking is taking the call: Aurora stops answering while a human voice is on it.
    if (holderOf(call) !== me && !(await act({ action: 'take' }))) return;
    await voice.connect({ callId, mode: 'talk' });
  }

  async function listen() {
    problem.textContent = '';
    await voice.connect({ callId, mode: 'listen' });
  }

  /** The button and the voice line follow the record: a refused mute, or one that reached no leg, changed nothing. */
  async function setMuted(next: boolean) {
    problem.textContent = '';
    await act(
      { action: 'mute', muted: next },
      `Not done: Twilio no longer had your voice on this call, so nothing was ${next ? 'muted' : 'unmuted'}.`,
    );
    redraw(true);
  }

  /** Drops every leg of this supervisor's on the call: this browser's at once, a phone's through the functions. */
  async function leave() {
    problem.textContent = '';
    if (here(voice.state)) voice.disconnect();
    await act({ action: 'leave' });
  }

  async function transfer(to: string) {
    problem.textContent = '';
    const number = e164(to);
    if (!number) {
      problem.textContent = 'Type the number with its country code, like +15551234567.';
      return;
    }
    if (await act({ action: 'transfer', to: number })) {
      draft = '';
      redraw(true);
    }
  }

  const button = (
    label: string,
    onclick: () => Promise<void>,
    extra: Record<string, string | boolean> = {},
  ) =>
    h(
      'button',
      {
        type: 'button',
        disabled: busy,
        'data-focus-key': label,
        onclick: () => void onclick(),
        ...extra,
      },
      label,
    );

  /** Talk and Listen, each described by why it is not offered when it is not (the reasons drawn apart, `why`). */
  function joinButtons(active: LiveCall) {
    const busyElsewhere = elsewhere(voice.state)
      ? 'Your voice is on another call: leave it first.'
      : null;
    const talkWhy = busyElsewhere ?? talkBlocked(active, me);
    const listenWhy = busyElsewhere ?? listenBlocked(active, me);
    const why = [...new Set([talkWhy, listenWhy].filter((w): w is string => !!w))].map((text) =>
      h('p', { class: 'hint', id: text === talkWhy ? 'voice-talk-why' : 'voice-listen-why' }, text),
    );
    const buttons = [
      button('Talk', talk, {
        disabled: busy || !!talkWhy,
        'aria-describedby': talkWhy ? 'voice-talk-why' : false,
      }),
      button('Listen', listen, {
        disabled: busy || !!listenWhy,
        'aria-describedby': listenWhy ? 'voice-listen-why' : false,
      }),
    ];
    return { buttons, why };
  }

  function transferForm(active: LiveCall) {
    const field = h('input', {
      id: 'transfer-number',
      name: 'transfer',
      type: 'tel',
      autocomplete: 'off',
      placeholder: '+15551234567',
      disabled: busy,
      'data-focus-key': 'transfer-number',
    });
    field.value = draft;
    field.addEventListener('input', () => (draft = field.value));
    const form = h(
      'form',
      { class: 'transfer', 'aria-label': 'Transfer the caller' },
      h('label', { for: 'transfer-number' }, 'Transfer to a number (on-call or allowed)'),
      field,
      h('button', { type: 'submit', disabled: busy, 'data-focus-key': 'Transfer' }, 'Transfer'),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void transfer(draft);
    });
    // The on-call staff this call's escalation texted come first: one press each.
    const known = knownOnCallNumbers(active).map((number) =>
      button(`Transfer to on-call ${number}`, () => transfer(number)),
    );
    // Not a `.row`: several long numbers wrap rather than push a phone's screen sideways.
    return [known.length > 0 ? h('div', { class: 'transfer-known' }, ...known) : null, form];
  }

  function drawActions() {
    if (!call || call.status !== 'ACTIVE') return replaceChildren(actions);
    const state = voice.state;
    const legs = myLiveLegs(call, me);
    const onIt = here(state) || legs.length > 0;
    const leaving = leaveLabel(here(state) ? state : null, call, me);
    const mute = muteLabel(call, me);
    const join = onIt ? null : joinButtons(call);
    replaceChildren(
      actions,
      // `voice-primary`: one row of the main voice actions, a bar above the call's on a phone (style.css).
      h(
        'div',
        { class: 'voice-primary' },
        ...(join?.buttons ?? []),
        mute ? button(mute, () => setMuted(mute === 'Mute')) : null,
        onIt ? button(leaving, leave) : null,
        onIt || talkBlocked(call, me)
          ? null
          : button('Call me', () => act({ action: 'callme' }).then(() => undefined)),
      ),
      ...(join?.why ?? []),
      // Only the holder hands the call over (the functions refuse anyone else).
      ...(holderOf(call) === me ? transferForm(call) : []),
    );
  }

  /** Redraws the buttons only when what they offer changed, keeping the keyboard focus on the same one. */
  function redraw(force = false) {
    const state = voice.state;
    if (here(state) && state.phase === 'open' && browserLegWithCaller(call, me))
      reachedCaller = true;
    const key = JSON.stringify([
      call && [
        call.status,
        !!call.purging,
        holderOf(call),
        !!call.conference?.caller_in,
        knownOnCallNumbers(call),
      ],
      call && myLiveLegs(call, me).map((m) => [m.sid, m.state, m.via, m.muted]),
      [state.phase, state.callId, state.mode],
      busy,
    ]);
    if (force || key !== drawnFor) {
      drawnFor = key;
      const focused = document.activeElement;
      const focusKey =
        focused instanceof HTMLElement && actions.contains(focused)
          ? focused.dataset.focusKey
          : focused === document.body
            ? lostFocus
            : undefined;
      lostFocus = undefined;
      drawActions();
      if (focusKey) {
        // The same control, else (Talk became Hang up) the first voice action: never the top of the page.
        const again =
          actions.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focusKey)}"]`) ??
          actions.querySelector<HTMLElement>('.voice-primary button:not([disabled])');
        again?.focus();
        // A control disabled while its action is sent cannot hold focus: it gets it back afterwards.
        if (document.activeElement !== again) lostFocus = focusKey;
      }
    }
    setText(
      stateLine,
      elsewhere(state)
        ? 'Your voice is on another call.'
        : state.callId === callId
          ? voiceStateText(state, call, me, refusal)
          : '',
    );
    setText(callerWhere, call ? callerLine(call, me) : '');
    // A caller in the conference with only muted listeners hears nobody: it must stand out.
    callerWhere.classList.toggle('problem', !!call && callerUnheard(call));
    replaceChildren(
      roster,
      ...(call ? membersOf(call) : []).map((m) =>
        h(
          'li',
          {
            'data-member': m.sid,
            'data-role': m.role,
            'data-state': m.state,
            'data-muted': String(m.muted),
          },
          memberLine(m, call!, me),
        ),
      ),
    );
  }

  const stopWatching = voice.onChange((state) => {
    if (state.callId !== callId) return redraw();
    if (state.phase === 'connecting') {
      problem.textContent = '';
      reachedCaller = false;
      notConnected = null;
      refusal = null;
    }
    if (state.phase === 'failed') failed(state);
    if (state.phase === 'closed' && state.farEnd && !reachedCaller) refused(state);
    redraw();
  });

  return {
    element,
    /** Shows the voice controls for `call` (null: it is over and gone); `busy` while an action is being sent. */
    render(next: LiveCall | null, nextBusy: boolean) {
      call = next;
      busy = nextBusy;
      // The audio must not outlive the call: an ended call's conference is gone at Twilio too.
      if ((!call || call.status !== 'ACTIVE') && here(voice.state)) voice.disconnect();
      redraw();
    },
    /** A transcript line: one saying why this supervisor could not be connected is kept for a refusal's words. */
    heard(message: LiveMessage) {
      notConnected = notConnectedReason(message, me) ?? notConnected;
    },
    /** Before handing the call back: the browser's voice leaves with it, at once. */
    leaveVoice() {
      if (here(voice.state)) voice.disconnect();
    },
    stop: stopWatching,
  };
}
