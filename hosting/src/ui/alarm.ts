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

function stopFlashing() {
  if (flashing) clearInterval(flashing);
  flashing = null;
  document.title = baseTitle;
}

/** Raises the alarm for a new critical call; `open` shows it. The banner stays until dismissed or opened. */
export function raiseAlarm(container: Element, call: { id: string; label: string }, open: () => void) {
  tone();
  flashTitle(`CRITICAL: ${call.label}`);
  const banner = h('div', { class: 'alarm', role: 'alert', 'data-testid': 'critical-alarm', 'data-call-id': call.id });
  const close = () => {
    banner.remove();
    if (!container.querySelector('.alarm')) stopFlashing();
  };
  banner.append(
    h('strong', {}, 'CRITICAL call: '),
    call.label,
    h('button', { onclick: () => (close(), open()) }, 'Open'),
    h('button', { onclick: close }, 'Dismiss'),
  );
  if (!soundReady()) banner.append(h('button', { onclick: () => (armSound(), tone()) }, 'Enable sound'));
  container.prepend(banner);
}
