/**
 * The critical-call alarm: a banner that stays until a supervisor looks, a title that flashes,
 * and a tone. Browsers only let a page play sound after a user gesture, so the sign-in click
 * arms it; until then the banner offers a button that does.
 */
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

/** Stops the title flashing once no alarm is left in `container`. */
function stopFlashingIfClear(container: Element) {
  if (container.querySelector('.alarm')) return;
  if (flashing) clearInterval(flashing);
  flashing = null;
  document.title = baseTitle;
}

export type Alarm = { alertId: string; callId: string; label: string; escalated: boolean };

/**
 * Raises the alarm for a critical or escalated call: it stays until the call is acknowledged
 * (then `clearAlarms` takes it down), opened or dismissed.
 */
export function raiseAlarm(container: Element, alarm: Alarm, actions: { open: () => void; acknowledge: () => void }) {
  if (container.querySelector(`[data-alert-id="${CSS.escape(alarm.alertId)}"]`)) return;
  tone();
  flashTitle(`${alarm.escalated ? 'ESCALATED' : 'CRITICAL'}: ${alarm.label}`);
  const banner = h('div', {
    class: `alarm${alarm.escalated ? ' escalated' : ''}`,
    role: 'alert',
    'data-testid': 'critical-alarm',
    'data-call-id': alarm.callId,
    'data-alert-id': alarm.alertId,
  });
  const close = () => {
    banner.remove();
    stopFlashingIfClear(container);
  };
  banner.append(
    h('strong', {}, alarm.escalated ? 'ESCALATED, nobody acknowledged: ' : 'CRITICAL call: '),
    alarm.label,
    h('button', { onclick: actions.acknowledge }, 'Acknowledge'),
    h('button', { onclick: () => (close(), actions.open()) }, 'Open'),
    h('button', { onclick: close }, 'Dismiss'),
  );
  if (!soundReady()) banner.append(h('button', { onclick: () => (armSound(), tone()) }, 'Enable sound'));
  container.prepend(banner);
}

/** Takes down the alarms of calls that no longer need one (acknowledged, ended or gone). */
export function clearAlarms(container: Element, stillAlarming: (callId: string) => boolean) {
  for (const banner of container.querySelectorAll<HTMLElement>('.alarm')) {
    if (!stillAlarming(banner.dataset.callId ?? '')) banner.remove();
  }
  stopFlashingIfClear(container);
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
