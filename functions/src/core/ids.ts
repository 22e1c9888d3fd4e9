import { idStamp } from '@aurora/model';

export type CallIds = { callId: string; conversationId: string };

/**
 * The seed's ids: `call_{digits of the number}_{YYYYMMDD}_{HHMMSS}` and `conv_…` with the same
 * suffix. `attempt` > 1 makes them unique when one number calls twice in the same second.
 */
export function callIds(phone: string, instant: Date, timeZone: string, attempt = 1): CallIds {
  const digits = phone.replace(/\D/g, '') || 'anonymous';
  const suffix = `${digits}_${idStamp(instant, timeZone)}${attempt > 1 ? `_${attempt}` : ''}`;
  return { callId: `call_${suffix}`, conversationId: `conv_${suffix}` };
}

/** A call's conversation id: the same suffix behind `conv_` (how callIds makes them). */
export const conversationIdOf = (callId: string) => callId.replace(/^call_/, 'conv_');

/** A conversation's call id, the other way round. */
export const callIdOf = (conversationId: string) => conversationId.replace(/^conv_/, 'call_');

const PUSH_CHARS = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';

/**
 * Message keys in the order the Realtime Database gives them, which is the order they were made
 * in (PUSH_CHARS is in code-unit order): orderByKey sorts string keys lexicographically
 * (https://firebase.google.com/docs/database/web/lists-of-data#sort_data), by code unit, as the
 * dashboard reads a transcript and core/archiveDocs.ts archives it. Never `localeCompare`: it
 * puts '_' before the letters and 'a' before 'B', so a line made later (a "Not spoken" note
 * after the reply it is about, in the same millisecond) could sort above it.
 */
export const keyOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Message keys that sort chronologically and never collide: Firebase push-id layout (8 chars
 * of milliseconds, 12 random chars). Within one process, keys made in the same millisecond
 * still increase; across writers (the AI and an admin at once) the random tail keeps them apart.
 */
export function messageKeyFactory(random: () => number = Math.random): (nowMs: number) => string {
  let lastTime = -1;
  let lastRandom: number[] = [];
  return (nowMs: number) => {
    let time = Math.max(nowMs, lastTime);
    let i = 11;
    if (time === lastTime) {
      while (i >= 0 && lastRandom[i] === 63) lastRandom[i--] = 0;
      if (i >= 0) lastRandom[i] += 1;
      else time += 1; // the tail overflowed: borrow the next millisecond
    }
    if (time !== lastTime) lastRandom = Array.from({ length: 12 }, () => Math.floor(random() * 64));
    lastTime = time;
    let head = '';
    let t = time;
    for (let i = 0; i < 8; i++) {
      head = PUSH_CHARS.charAt(t % 64) + head;
      t = Math.floor(t / 64);
    }
    return head + lastRandom.map((n) => PUSH_CHARS.charAt(n)).join('');
  };
}

/**
 * The ids of a call archived from its status callback alone (the live database could not be
 * reached when it ended): made from its CallSid, so repeated callbacks write one archive, and
 * the archive of its live record, when that is reachable again, replaces it (one per CallSid).
 */
export function callbackArchiveIds(
  callSid: string,
  from: string,
): { callId: string; conversationId: string } {
  const suffix = `${from.replace(/\D/g, '') || 'anonymous'}_cb_${callSid.replace(/[^A-Za-z0-9]/g, '').slice(0, 40)}`;
  return { callId: `call_${suffix}`, conversationId: `conv_${suffix}` };
}
