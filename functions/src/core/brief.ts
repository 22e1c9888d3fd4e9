/**
 * Aurora's brief of a call "in one breath", for the person a supervisor transfers the caller
 * to: who, where, what happened (the caller's first words and the latest), how urgent, what
 * Aurora last told them, and who is with the caller now. Plain spoken English, at most
 * BRIEF_MAX_WORDS words, so it is heard in about twenty seconds before they press 1. Pure.
 */
import type { LiveCall, LiveMessage } from '@aurora/model';
import { joinedLegs } from './conference';
import { spokenCaller } from './delivery';
import { speakable } from './twiml';

/** About twenty seconds of speech: long enough to act on, short enough to hear out. */
export const BRIEF_MAX_WORDS = 60;

/** What the registry knows of the caller. */
export type BriefCaller = { name?: string; site?: string; zone?: string };

export type BriefInput = {
  call: Pick<
    LiveCall,
    | 'worker_id'
    | 'mobile_no'
    | 'urgency'
    | 'urgency_provisional'
    | 'mode'
    | 'admin_id'
    | 'conference'
  >;
  caller?: BriefCaller | null;
  /** The call's transcript, oldest first. */
  messages: Array<Pick<LiveMessage, 'role' | 'content'>>;
};

const words = (text: string) => text.split(/\s+/).filter(Boolean);

/** Words as said aloud, without the punctuation that ends them (the brief adds its own). */
const plain = (text: string) =>
  speakable(text.replace(/\s+/g, ' '))
    .replace(/["“”]/g, '')
    .replace(/[\s.,;:!?…-]+$/u, '');

/** The first `n` words of `text`. */
const firstWords = (text: string, n: number) => words(text).slice(0, n).join(' ');

/** "a critical call", "an unconfirmed critical call": said as words, not letters. */
const urgencyWords = (call: BriefInput['call']) => {
  const level = `${call.urgency_provisional ? 'unconfirmed ' : ''}${call.urgency.toLowerCase()}`;
  return `${/^[aeiou]/.test(level) ? 'an' : 'a'} ${level}`;
};

/**
 * A person as a voice says them: a supervisor by the name in their email ("ana.silva@site" is
 * "ana silva"), a number digit by digit (a voice reads "+15550190001" as one large number).
 */
export function spokenPerson(who: string): string {
  if (/^\+?\d{6,15}$/.test(who)) return `the number ${who.replace(/\D/g, '').split('').join(' ')}`;
  const local = who.includes('@') ? who.slice(0, who.indexOf('@')) : who;
  return local.replace(/[._-]+/g, ' ').trim() || who;
}

/** The caller by name, site and zone where the registry knows them, else by worker id or number. */
export function spokenWorker(call: BriefInput['call'], caller?: BriefCaller | null): string {
  const who = spokenCaller(call, caller ?? undefined);
  const zone = caller?.zone?.trim();
  if (!zone) return who;
  return `${who}, ${/\bzone\b/i.test(zone) ? zone : `zone ${zone}`}`;
}

/** Who is with the caller now, as said to the person being transferred to. */
function onTheLine(call: BriefInput['call']): string {
  const talking = call.conference?.caller_in ? joinedLegs(call.conference) : [];
  if (talking.length > 0) {
    const people = talking.map(([, member]) =>
      member.role === 'supervisor'
        ? `supervisor ${spokenPerson(member.who)}`
        : spokenPerson(member.who),
    );
    return `The caller is talking with ${people.join(' and ')}.`;
  }
  if (call.mode === 'human' && call.admin_id)
    return `Supervisor ${spokenPerson(call.admin_id)} has the call now.`;
  return 'The caller is with Aurora now.';
}

/** Words that leave a cut-off quote hanging ("pull the"): dropped from its end. */
const DANGLING = new Set(
  'a an the and or but of to in on at by for with from into is are was were my your their his her'.split(
    ' ',
  ),
);

/**
 * The first `n` words of a quote. A cut quote ends at its last clause boundary if that keeps
 * at least half of it, and never on a word that leaves it hanging.
 */
function clip(text: string, n: number): string {
  const all = words(text);
  if (all.length <= n) return text;
  let kept = all.slice(0, n);
  const boundary = kept.findLastIndex((word) => /[,;:.!?]$/.test(word));
  if (boundary + 1 >= Math.ceil(n / 2)) kept = kept.slice(0, boundary + 1);
  while (kept.length > 1 && DANGLING.has(kept.at(-1)!.toLowerCase())) kept.pop();
  return plain(kept.join(' '));
}

/**
 * The brief. The caller's words and Aurora's are quoted as far as the word budget allows: each
 * quote is cut shorter until the whole fits, and a brief that still would not (a very long name)
 * is cut at BRIEF_MAX_WORDS.
 */
export function briefOf({ call, caller, messages }: BriefInput): string {
  const said = (role: LiveMessage['role']) =>
    messages.filter((m) => m.role === role && plain(m.content) !== '').map((m) => plain(m.content));
  const callerSaid = said('user');
  const auroraSaid = said('assistant');
  const first = callerSaid[0];
  const latest = callerSaid.length > 1 ? callerSaid.at(-1) : undefined;
  const guidance = auroraSaid.at(-1);
  const opening = `Aurora safety line: ${urgencyWords(call)} call from ${spokenWorker(call, caller)}.`;
  const closing = onTheLine(call);
  const compose = (n: number) =>
    [
      opening,
      first ? `They said: ${clip(first, n)}.` : 'They have not said anything yet.',
      latest ? `Latest: ${clip(latest, n)}.` : '',
      guidance ? `Aurora told them: ${clip(guidance, n)}.` : '',
      closing,
    ]
      .filter(Boolean)
      .join(' ');
  for (let n = 14; n >= 3; n--) {
    const brief = compose(n);
    if (words(brief).length <= BRIEF_MAX_WORDS) return speakable(brief);
  }
  return speakable(firstWords(compose(3), BRIEF_MAX_WORDS));
}

/** What a supervisor's own phone says before they press 1: whose call is waiting for them. */
export const readyLine = (call: BriefInput['call'], caller?: BriefCaller | null) =>
  speakable(`Aurora: your call with ${spokenWorker(call, caller)} is ready.`);
