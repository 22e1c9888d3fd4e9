/** One live call: its state, its transcript as it grows, the caller's words as they speak, and the supervisor's controls. */
import type { User } from 'firebase/auth';
import { onChildAdded, onValue, orderByKey, query, ref } from 'firebase/database';
import {
  awaitsAcknowledgement,
  isAcknowledged,
  keepsLineOpen,
  LANGUAGE_NAMES,
  type CallControlResult,
  type LiveCall,
  type LiveMessage,
  type PartialSpeech,
  paths,
} from '@aurora/model';
import { escalationLines, fallbackText, holderOf } from '../core/calls';
import type { SiteClock } from '../core/clock';
import { urgencyLabel, urgencyNotes } from '../core/urgency';
import { speakerLabel } from '../core/voice';
import { callControl, type CallActionOf, type Firebase } from '../firebase';
import { errorText, h, replaceChildren } from './dom';
import { fallList } from './falls';
import { urgencyControl } from './urgencyControl';
import { voiceControls } from './voiceControls';
import { voiceClientFor } from '../voice/choose';

/** One line of the transcript: who said it, when (on the site's clock), and what. */
export function messageItem(key: string, message: LiveMessage, clock: SiteClock): HTMLLIElement {
  return h(
    'li',
    {
      class: `message role-${message.role}`,
      'data-message-key': key,
      'data-role': message.role,
      'data-spoken': message.spoken === true,
    },
    h('span', { class: 'who' }, speakerLabel(message)),
    h('time', { datetime: message.timestamp }, clock.stamp(message.timestamp)),
    h('p', {}, message.content),
    message.sources ? h('div', { class: 'sources' }, `Sources: ${message.sources}`) : null,
    message.fallback ? h('div', { class: 'fallback' }, fallbackText(message.fallback)) : null,
  );
}

/** What the supervisor reads while the caller says nothing. */
function quietText(call: LiveCall, holder: string | null, since: string): string {
  if (holder) return `The caller has said nothing since ${since}. The line stays open.`;
  if (keepsLineOpen(call.urgency)) {
    return `The caller has said nothing since ${since}. Aurora keeps the line open and says it is still there every 30 seconds or so; take over or end the call when you know more.`;
  }
  return `The caller has said nothing since ${since}. Aurora asks again, then ends the call if nothing is heard.`;
}

/** Shows the call in `panel` until the returned function is called; `nameOf` gives a caller's name from the registry. */
export function showCall(
  panel: HTMLElement,
  firebase: Firebase,
  user: User,
  callId: string,
  nameOf: (phone: string) => string | null,
  clock: SiteClock,
): () => void {
  const control = callControl(firebase);
  const header = h('div', { class: 'call-header' });
  const transcript = h('ol', {
    class: 'transcript',
    'data-testid': 'transcript',
    'aria-label': 'Transcript',
    // It scrolls once it is taller than its box (sooner on a phone): the keyboard must reach it.
    tabindex: 0,
  });
  const partial = h('p', { class: 'partial', 'data-testid': 'partial', hidden: true });
  const controls = h('div', { class: 'controls' });
  const status = h('p', { class: 'action-status', role: 'status', 'data-testid': 'action-status' });
  const urgency = urgencyControl({
    act: (action, doneText) => act(action, doneText),
    tell: (text) => (status.textContent = text),
  });
  // The supervisor's own voice on the call (issue 24); the page's one voice client outlives this view.
  const voice = voiceControls({
    voice: voiceClientFor(firebase),
    act: (action, notReachedText) => send(action, { notReachedText }),
    me: user.email ?? user.uid,
    callId,
  });
  replaceChildren(
    panel,
    header,
    transcript,
    partial,
    controls,
    voice.element,
    urgency.element,
    status,
  );

  const me = user.email ?? user.uid;
  let call: LiveCall | null = null;
  let busy = false;
  const unsubscribers: Array<() => void> = [];

  /**
   * Sends the action; its result, or null when it was refused. `doneText`: what success means for
   * an action that does not reach the caller (urgency); `notReachedText`: what `reached: false`
   * means for this action, when not that the caller was gone (a mute: the supervisor's own leg).
   */
  const send = async (
    action: CallActionOf,
    { doneText, notReachedText }: { doneText?: string; notReachedText?: string } = {},
  ): Promise<CallControlResult | null> => {
    busy = true;
    renderControls();
    status.textContent = '…';
    try {
      const { data } = await control({ ...action, callId });
      status.textContent =
        doneText ??
        (data.reached
          ? 'Done.'
          : (notReachedText ?? 'Done, but the caller was no longer connected.'));
      return data;
    } catch (err) {
      status.textContent = errorText(err);
      return null;
    } finally {
      busy = false;
      renderControls();
    }
  };
  /** Sends the action; true if it was done. */
  const act = async (action: CallActionOf, doneText?: string) =>
    (await send(action, { doneText })) !== null;

  function renderHeader() {
    if (!call) {
      replaceChildren(
        header,
        h('h2', {}, 'Call over'),
        h('p', {}, 'This call has ended and moved to History.'),
      );
      return;
    }
    const holder = holderOf(call);
    replaceChildren(
      header,
      h(
        'h2',
        {},
        h(
          'span',
          {
            class: `badge urgency-${call.urgency.toLowerCase()}${call.urgency_provisional ? ' unconfirmed' : ''}`,
            'data-testid': 'call-urgency',
          },
          urgencyLabel(call),
        ),
        ` ${nameOf(call.mobile_no) ?? call.worker_id} · ${call.mobile_no}`,
      ),
      ...urgencyNotes(call).map((note) =>
        h('p', { class: 'urgency-note', 'data-testid': 'urgency-note' }, note),
      ),
      fallList(call.urgency_falls, clock),
      h(
        'p',
        { class: 'started', 'data-testid': 'call-started' },
        'Started ',
        h('time', { datetime: call.timestamp }, clock.stamp(call.timestamp)),
      ),
      // Which language Aurora hears and answers the caller in (the registry's, the site's, or one the caller switched it to).
      call.language
        ? h(
            'p',
            { class: 'language', 'data-testid': 'call-language' },
            `Aurora listens and answers in ${(LANGUAGE_NAMES as Record<string, string | undefined>)[call.language] ?? call.language}`,
          )
        : null,
      h(
        'p',
        { 'data-testid': 'call-state' },
        call.status === 'ENDED'
          ? awaitsAcknowledgement(call)
            ? `Ended (${call.ended_at ? clock.stamp(call.ended_at) : ''}) without anyone acknowledging it. The caller may still need help: acknowledge it once someone is on it.`
            : `Ended (${call.ended_at ? clock.stamp(call.ended_at) : ''}), archiving…`
          : holder
            ? `Taken over by ${holder}`
            : 'Aurora is answering',
      ),
      call.acknowledged_by
        ? h(
            'p',
            { class: 'ack', 'data-testid': 'call-acknowledged' },
            isAcknowledged(call)
              ? `Acknowledged by ${call.acknowledged_by}`
              : `Acknowledged by ${call.acknowledged_by} at ${call.acknowledged_urgency ?? 'NORMAL'}; now ${call.urgency}: acknowledge again`,
          )
        : null,
      call.quiet_since && call.status === 'ACTIVE'
        ? h(
            'p',
            { class: 'quiet', role: 'status', 'data-testid': 'caller-quiet' },
            quietText(call, holder, clock.stamp(call.quiet_since)),
          )
        : null,
      call.escalated_at
        ? h(
            'div',
            { class: 'ack escalated', 'data-testid': 'escalation' },
            h('p', {}, `Escalated at ${clock.stamp(call.escalated_at)}`),
            h(
              'ul',
              {},
              ...escalationLines(call.escalation).map((line) =>
                h('li', { class: line.ok ? 'ok' : 'problem' }, line.text),
              ),
            ),
          )
        : null,
    );
  }

  /** What the controls were last drawn for: they are redrawn only when it changes. */
  let drawnFor = '';
  /** What the supervisor has typed, kept across redraws: a failed send leaves it to send again. */
  const draft = { say: '', bridge: '' };

  function renderControls() {
    const holding = call ? holderOf(call) : null;
    // Another supervisor holding the call decides its urgency; an ended call is History's.
    urgency.render(call?.status === 'ACTIVE' && (!holding || holding === me) ? call : null, busy);
    voice.render(call, busy);
    // Every message updates the call; redrawing then would wipe what the supervisor is typing
    // to the caller, and move their focus. Only a change in what they may do redraws.
    const state = call
      ? JSON.stringify([call.status, holderOf(call), isAcknowledged(call), call.language, busy])
      : '';
    if (state === drawnFor) return;
    drawnFor = state;
    if (!call) return replaceChildren(controls);
    if (call.status !== 'ACTIVE')
      return replaceChildren(
        controls,
        awaitsAcknowledgement(call)
          ? h(
              'div',
              { class: 'call-actions' },
              h(
                'button',
                { disabled: busy, onclick: () => void act({ action: 'ack' }) },
                'Acknowledge',
              ),
            )
          : null,
      );
    const holder = holderOf(call);
    const mine = holder === me;
    const button = (label: string, action: CallActionOf, extra: Record<string, string> = {}) =>
      h('button', { disabled: busy, onclick: () => void act(action), ...extra }, label);
    if (!mine) {
      // `call-actions`: the primary actions, a bar at the bottom of a phone's screen (style.css).
      return replaceChildren(
        controls,
        h(
          'div',
          { class: 'call-actions' },
          isAcknowledged(call) ? null : button('Acknowledge', { action: 'ack' }),
          holder ? null : button('Take over', { action: 'take' }),
          holder ? null : button('End call', { action: 'end' }, { class: 'danger' }),
        ),
      );
    }
    const speech = h('textarea', {
      id: 'say-text',
      name: 'say',
      rows: 2,
      maxlength: 600,
      placeholder: 'Type what the caller should hear; it is spoken on the call',
      disabled: busy,
    });
    const number = h('input', {
      id: 'bridge-number',
      name: 'bridge',
      type: 'tel',
      autocomplete: 'off',
      placeholder: '+15551234567',
      disabled: busy,
    });
    const sayForm = h(
      'form',
      { class: 'say', 'aria-label': 'Speak to the caller' },
      h(
        'label',
        { for: 'say-text' },
        `Words for the caller${call.language && call.language !== 'en' ? `, in ${(LANGUAGE_NAMES as Record<string, string | undefined>)[call.language] ?? call.language}: they are spoken in the caller's language` : ''}`,
      ),
      speech,
      h('button', { type: 'submit', disabled: busy }, 'Say to caller'),
    );
    speech.value = draft.say;
    number.value = draft.bridge;
    speech.addEventListener('input', () => (draft.say = speech.value));
    number.addEventListener('input', () => (draft.bridge = number.value));
    sayForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = draft.say;
      void act({ action: 'say', text }).then((ok) => {
        if (!ok || draft.say !== text) return;
        draft.say = '';
        const box = controls.querySelector<HTMLTextAreaElement>('textarea[name=say]');
        if (box) box.value = '';
      });
    });
    const bridgeForm = h(
      'form',
      { class: 'bridge', 'aria-label': 'Bridge the caller' },
      h('label', { for: 'bridge-number' }, 'Phone number to bridge to'),
      number,
      h('button', { type: 'submit', disabled: busy }, 'Bridge to number'),
    );
    bridgeForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void act({ action: 'bridge', to: draft.bridge.replace(/[\s\-()]/g, '') });
    });
    replaceChildren(
      controls,
      sayForm,
      bridgeForm,
      h(
        'div',
        { class: 'row call-actions' },
        // Handing back ends the conference at Twilio; this browser's voice leaves with it at once.
        h(
          'button',
          {
            disabled: busy,
            onclick: () => void act({ action: 'release' }).then((ok) => ok && voice.leaveVoice()),
          },
          'Hand back to Aurora',
        ),
        button('End call', { action: 'end' }, { class: 'danger' }),
      ),
    );
    speech.focus();
  }

  unsubscribers.push(
    onValue(ref(firebase.db, paths.call(callId)), (snap) => {
      const first = call === null;
      call = snap.val() as LiveCall | null;
      renderHeader();
      if (!busy) renderControls();
      if (first && call) watchConversation(call.conversation_id);
    }),
  );

  function watchConversation(conversationId: string) {
    unsubscribers.push(
      onChildAdded(
        query(ref(firebase.db, paths.messages(conversationId)), orderByKey()),
        (snap) => {
          const message = snap.val() as LiveMessage;
          transcript.append(messageItem(snap.key!, message, clock));
          voice.heard(message);
          // The transcript scrolls, not the page: scrolling the page to each new line pulled a
          // supervisor away from the field they were typing in (on a phone, at every line).
          transcript.scrollTop = transcript.scrollHeight;
        },
      ),
      onValue(ref(firebase.db, paths.partial(conversationId)), (snap) => {
        const value = snap.val() as PartialSpeech | null;
        partial.hidden = !value?.text || value.closed === true;
        partial.textContent = value?.text ? `Caller is saying: “${value.text}…”` : '';
      }),
    );
  }

  unsubscribers.push(voice.stop);
  return () => unsubscribers.forEach((stop) => stop());
}
