/**
 * The critical-call alarm: a banner that stays until a supervisor looks, a title that flashes,
 * and a tone. Browsers only let a page play sound after a user gesture, so the sign-in click
 * arms it; until then the banner offers a button that does.
 */
import { alarmHeadline, alarmPrefix, alarmTitle, type AlarmEntry } from '../core/alarms';
import { h } from './dom';

let audio: AudioContext | null = null;

/** Call from a click handler: creates or resumes the audio context the tone plays through. */
export function armSound() {
  audio ??= new AudioContext();
  void audio.resume();
}

const soundReady = () => audio?.state === 'running';

function tone() {
  if (!audio || !soundReady()) return;
  const start = audio.currentTime;
  for (const [i, freq] of [880, 660, 880].entries()) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.2, start + i * 0.25);
    gain.gain.exponentialRampToValueAtTime(0.001, start + i * 0.25 + 0.22);
    osc.connect(gain).connect(audio.destination);
    osc.start(start + i * 0.25);
    osc.stop(start + i * 0.25 + 0.23);
  }
}

let flashing: ReturnType<typeof setInterval> | null = null;
const baseTitle = document.title;

function flashTitle(text: string) {
  if (flashing) clearInterval(flashing);
  let on = false;
  flashing = setInterval(() => (document.title = (on = !on) ? text : baseTitle), 800);
}

function stopFlashing() {
  if (flashing) clearInterval(flashing);
  flashing = null;
  document.title = baseTitle;
}

export type AlarmActions = {
  open: (callId: string) => void;
  acknowledge: (callId: string) => void;
  dismiss: (alertId: string) => void;
  /** The caller as a supervisor knows them: name and number. */
  label: (callId: string) => string;
  /** A time on the site's clock. */
  stamp: (at: string) => string;
};

/**
 * The one alarm banner: a headline that counts the calls needing a supervisor, the most urgent
 * unacknowledged one in front, the others listed below it in a list that scrolls rather than
 * grows, so the live list stays in view. A call that newly alarms sounds the tone and flashes
 * the title; the banner goes when no call needs it.
 */
export function alarmBanner(actions: AlarmActions) {
  const headline = h('strong', { class: 'headline', 'data-testid': 'alarm-headline' });
  const list = h('ol', {});
  const soundButton = h(
    'button',
    { type: 'button', onclick: () => (armSound(), tone(), soundButton.remove()) },
    'Enable sound',
  );
  const element = h(
    'section',
    {
      class: 'alarms',
      'aria-label': 'Calls that need a supervisor',
      'data-testid': 'critical-alarms',
      hidden: true,
    },
    h('div', { class: 'alarm-head', role: 'alert' }, headline),
    list,
  );
  const sounded = new Set<string>();
  let drawn = '';

  function entry(e: AlarmEntry) {
    const who = actions.label(e.callId);
    return h(
      'li',
      {
        class: `alarm kind-${e.kind}${e.unconfirmed ? ' unconfirmed' : ''}`,
        'data-testid': 'critical-alarm',
        'data-call-id': e.callId,
        'data-alert-id': e.alertId,
      },
      h(
        'span',
        { class: 'what' },
        h('strong', {}, alarmPrefix(e)),
        who,
        h('span', { class: 'since' }, ` · since ${actions.stamp(e.since)}`),
      ),
      h(
        'button',
        {
          type: 'button',
          'aria-label': `Acknowledge ${who}`,
          onclick: () => actions.acknowledge(e.callId),
        },
        'Acknowledge',
      ),
      h(
        'button',
        { type: 'button', 'aria-label': `Open ${who}`, onclick: () => actions.open(e.callId) },
        'Open',
      ),
      h(
        'button',
        {
          type: 'button',
          'aria-label': `Dismiss the alarm for ${who}`,
          onclick: () => actions.dismiss(e.alertId),
        },
        'Dismiss',
      ),
    );
  }

  function update(entries: AlarmEntry[]) {
    const fresh = entries.filter((e) => !sounded.has(e.alertId));
    for (const e of fresh) sounded.add(e.alertId);
    if (fresh.length > 0) {
      tone();
      flashTitle(`${alarmTitle(entries[0])}: ${actions.label(entries[0].callId)}`);
    }
    if (entries.length === 0) stopFlashing();
    // Redrawn only when what it shows changed, so a supervisor tabbing through its buttons keeps focus.
    const next = JSON.stringify([
      entries,
      entries.map((e) => actions.label(e.callId)),
      soundReady(),
    ]);
    if (next === drawn) return;
    drawn = next;
    element.hidden = entries.length === 0;
    headline.textContent = entries.length > 0 ? alarmHeadline(entries) : '';
    list.replaceChildren(...entries.map(entry));
    if (!soundReady() && entries.length > 0) headline.after(soundButton);
    else soundButton.remove();
  }

  return { element, update };
}

/** A system notification for an escalation, where the admin allowed notifications. */
export function notify(title: string, body: string) {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  try {
    new Notification(title, { body, requireInteraction: true, tag: title + body });
  } catch {
    // Some browsers only notify through a service worker; the banner is there regardless.
  }
}
