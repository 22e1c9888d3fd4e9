/**
 * Urgency as a supervisor reads it: whether it is settled or still unconfirmed while Aurora asks
 * the key question, every fall with who decided it and why, and the checks on a supervisor's own
 * decision. Pure, so the words are tested without a browser.
 */
import type { LiveCall, QuestionId, Urgency, UrgencyFall } from '@aurora/model';

const RANK: Record<Urgency, number> = { NORMAL: 0, URGENT: 1, CRITICAL: 2 };

/** The levels a supervisor may choose, most urgent first, as the list shows them. */
export const URGENCY_CHOICES: readonly Urgency[] = ['CRITICAL', 'URGENT', 'NORMAL'];

/** The reason's length the callable accepts (CallAction's `urgency` action). */
export const REASON_MIN = 3;
export const REASON_MAX = 300;

type UrgencyShown = Pick<LiveCall, 'urgency' | 'urgency_provisional'>;

/**
 * "CRITICAL, unconfirmed" while the urgency rests on unsure words: it alarms all the same, but a
 * supervisor should know Aurora is still asking before treating it as settled.
 */
export const urgencyLabel = (call: UrgencyShown): string =>
  call.urgency_provisional ? `${call.urgency}, unconfirmed` : call.urgency;

/** Aurora's key questions in a supervisor's words (English), by id. */
const QUESTION_WORDS: Record<QuestionId, string> = {
  awake: 'is the person awake and answering?',
  breathing: 'is the person breathing normally?',
  trapped: 'is anyone trapped?',
  hurt: 'is anyone hurt?',
  real: 'is this a real emergency, not a drill or a test?',
  ongoing: 'is it still happening?',
};

/** The question, or its id as a last resort (a newer function may ask one this page does not know). */
export const questionWords = (id: string): string =>
  (QUESTION_WORDS as Record<string, string | undefined>)[id] ?? `"${id}"`;

/**
 * What the call's detail says under its urgency: the open question ("Aurora is asking: is the
 * person breathing normally?") and, while unconfirmed, what settles it. Empty when settled.
 */
export function urgencyNotes(call: UrgencyShown & Pick<LiveCall, 'question'>): string[] {
  const notes: string[] = [];
  if (call.urgency_provisional)
    notes.push(
      `Unconfirmed: the caller's words leave it unsure, so it alarms as ${call.urgency} until the caller's answer, more words or a short silence settle it.`,
    );
  if (call.question) notes.push(`Aurora is asking: ${questionWords(call.question.id)}`);
  return notes;
}

/** The falls in time order: a live call keeps them by key (keys sort in time), an archived one as a list, oldest first. */
export function fallsInOrder(
  falls: Record<string, UrgencyFall> | UrgencyFall[] | null | undefined,
): UrgencyFall[] {
  if (!falls) return [];
  if (Array.isArray(falls)) return falls;
  return Object.keys(falls)
    .sort()
    .map((key) => falls[key]);
}

/**
 * One fall as the detail lists it: "CRITICAL → URGENT at 14:02:11, by the caller: Asked "…", the
 * caller said "…"", or "by ana@site: <reason>" for a supervisor's decision.
 */
export function fallLine(fall: UrgencyFall, stamp: (at: string) => string): string {
  const by = fall.by === 'caller' ? 'the caller' : (fall.admin_id ?? 'a supervisor');
  return `${fall.from} → ${fall.to} at ${stamp(fall.at)}, by ${by}: ${fall.reason}`;
}

export const fallLines = (
  falls: Record<string, UrgencyFall> | UrgencyFall[] | null | undefined,
  stamp: (at: string) => string,
): string[] => fallsInOrder(falls).map((fall) => fallLine(fall, stamp));

/** Whether `to` is below the call's urgency now: a fall, which asks the supervisor to confirm. */
export const lowers = (from: Urgency, to: Urgency): boolean => RANK[to] < RANK[from];

/**
 * What is wrong with a supervisor's decision before it is sent, in their words, or null. Choosing
 * the urgency the call already has only makes sense while it is unconfirmed (it confirms it).
 */
export function urgencyDecisionProblem(
  call: UrgencyShown & Pick<LiveCall, 'question'>,
  to: Urgency,
  reason: string,
): string | null {
  if (to === call.urgency && !call.urgency_provisional && !call.question)
    return `The call is already ${to}.`;
  const length = reason.trim().length;
  if (length < REASON_MIN) return `Say why (at least ${REASON_MIN} characters).`;
  if (length > REASON_MAX) return `Keep the reason under ${REASON_MAX} characters.`;
  return null;
}

/** The question a supervisor confirms before lowering a call. */
export const lowerPrompt = (from: Urgency, to: Urgency): string =>
  `Lower this call from ${from} to ${to}? Do so only if you know the caller is safe: the fall is recorded with your name and reason and shown to every supervisor.`;

/** The description under the control: what choosing each level does to this call. */
export function decisionHint(call: UrgencyShown): string {
  const now = `Now ${urgencyLabel(call)}.`;
  return call.urgency_provisional
    ? `${now} Choosing ${call.urgency} confirms it; a lower urgency is recorded as a fall with your reason.`
    : `${now} A lower urgency is recorded as a fall with your reason.`;
}
