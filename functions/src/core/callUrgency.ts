/**
 * How a call's urgency moves from turn to turn, as a dispatcher's does: it rises with anything
 * the caller says; a rise that rests only on unsure words ("he collapsed", "smoke in the hall") is
 * provisional, alarming at once but marked unconfirmed, while Aurora asks the key question that
 * settles it; the caller's answer, a later utterance, silence past the window or a dropped line
 * confirms it. It falls only on the caller's explicit, reassuring answer to that question ("it's
 * the drill", "she's awake and talking"), and each fall is kept with its reason. Pure: the turn's
 * plan (turnPlan.ts) writes what this returns; the evaluation runs it on whole conversations.
 */
import type { LiveCall, OpenQuestion, QuestionId, Urgency, UrgencyFall } from '@aurora/model';
import { raiseUrgency, rank } from './urgency';

/** How the caller's words answer Aurora's open question (assistant/answers.ts answerTo). */
export type Verdict = 'reassuring' | 'alarming' | 'unclear';

/**
 * Silence this long after the question confirms a provisional urgency (the 20 s): about
 * two silent Gathers. Never longer than the escalation delay, which also confirms it.
 */
export const CONFIRM_WINDOW_MS = 20_000;

/** What the caller's words alone make of the call (assistant/triage.ts). */
export type WordsFloor = {
  urgency: Urgency;
  /** The urgency rests only on unsure words: Aurora asks before it is taken as settled. */
  provisional: boolean;
};

/**
 * How the words answer the open question: where a reassuring answer lets urgency fall, where an
 * alarming one raises it (the procedure's own urgency), and the question as asked, for the record.
 */
export type Answer = {
  verdict: Verdict;
  /** The question the words settle: the one asked, or whether it is real when they say it is a drill. */
  answered: QuestionId;
  ifReassured: Urgency;
  ifAlarming: Urgency;
  question: string;
};

/** The part of a call this decides. */
export type UrgencyState = Pick<
  LiveCall,
  | 'urgency'
  | 'urgency_provisional'
  | 'question'
  | 'acknowledged_by'
  | 'acknowledged_urgency'
  | 'turn_started_at'
> & {
  urgency_falls?: LiveCall['urgency_falls'];
};

/** The call fields to set (null: remove), as a transaction over the stored call merges them. */
export type UrgencyFields = {
  urgency?: Urgency;
  urgency_provisional?: true | null;
  question?: OpenQuestion | null;
  urgency_falls?: Record<string, UrgencyFall>;
  acknowledged_urgency?: Urgency;
};

/**
 * The caller's words on a call. An answer to the open question settles it: an alarming answer
 * raises urgency to the procedure's and confirms it; a reassuring one lowers it to the question's
 * level (never below what these words call for), but only where urgency was unsure or the
 * question was whether it is real: "nobody trapped" does not lower a fire the caller saw burning.
 * Any other words raise urgency, confirm a provisional one, and close the question.
 */
export function afterCallerWords(
  call: UrgencyState,
  floor: WordsFloor,
  answer: Answer | undefined,
  at: string,
  utterance: string,
): UrgencyFields {
  const fields: UrgencyFields = {};
  const asked = call.question;
  if (asked) fields.question = null;
  const settles = asked && answer?.verdict === 'reassuring';
  // Only an urgency still unsure may fall: "it's the drill" after a sure "he is not breathing"
  // and a later "there is smoke too" is about the smoke, not the man.
  if (settles && call.urgency_provisional) {
    const to = raiseUrgency(answer.ifReassured, floor.urgency);
    if (rank[to] < rank[call.urgency]) {
      fields.urgency = to;
      fields.urgency_falls = withFall(call, {
        from: call.urgency,
        to,
        reason: `Asked "${answer.question}", the caller said "${clip(utterance)}"`,
        by: 'caller',
        at,
      });
      Object.assign(fields, narrowedAcknowledgement(call, to));
    }
    if (call.urgency_provisional) fields.urgency_provisional = null;
    return fields;
  }
  const alarmed = asked && answer?.verdict === 'alarming' ? answer.ifAlarming : 'NORMAL';
  const urgency = raiseUrgency(call.urgency, raiseUrgency(floor.urgency, alarmed));
  if (urgency !== call.urgency) fields.urgency = urgency;
  // A rise on unsure words alone is provisional; an answer that settles nothing ("I don't know")
  // leaves it so (the next question may); anything else the caller says confirms what stands.
  const unsettled = !!asked && answer?.verdict === 'unclear' && !!call.urgency_provisional;
  const provisional =
    urgency !== call.urgency ? alarmed === 'NORMAL' && floor.provisional : unsettled;
  if (provisional && !call.urgency_provisional) fields.urgency_provisional = true;
  else if (!provisional && call.urgency_provisional) fields.urgency_provisional = null;
  return fields;
}

/**
 * Words that reach the transcript after their turn (the database refused the turn's own raise:
 * calls/recordWords.ts): they raise urgency, never lower it, and leave the question open (it may
 * have been asked since). A rise is confirmed: nobody asked about these words, and an older
 * unsure mark must not let an answer about something else lower them ("he's not breathing").
 */
export function afterLateWords(call: UrgencyState, urgency: Urgency): UrgencyFields {
  const raised = raiseUrgency(call.urgency, urgency);
  if (raised === call.urgency) return {};
  return { urgency: raised, ...(call.urgency_provisional ? { urgency_provisional: null } : {}) };
}

/** Aurora's reply on a call: its urgency raises (a rise of the reply's own may be provisional); its key question opens. */
export function afterReply(
  call: UrgencyState,
  reply: {
    urgency: Urgency;
    provisional?: boolean;
    question?: { procedure: string; id: QuestionId };
  },
  at: string,
): UrgencyFields {
  const fields: UrgencyFields = {};
  // A supervisor who set the urgency while this reply was being composed had the caller's words
  // before them: the reply made from those same words does not overrule the decision.
  const overruled = decidedDuringTurn(call);
  const urgency = overruled ? call.urgency : raiseUrgency(call.urgency, reply.urgency);
  if (urgency !== call.urgency) {
    fields.urgency = urgency;
    if (reply.provisional) fields.urgency_provisional = true;
    else if (call.urgency_provisional) fields.urgency_provisional = null;
  }
  if (reply.question) fields.question = { ...reply.question, asked_at: at };
  return fields;
}

/** The call's latest fall is a supervisor's, made since the turn now being answered began. */
function decidedDuringTurn(call: UrgencyState): boolean {
  const falls = call.urgency_falls ?? {};
  const latest = falls[Object.keys(falls).sort().at(-1) ?? ''];
  const began = call.turn_started_at ? Date.parse(call.turn_started_at) : NaN;
  return latest?.by === 'supervisor' && Date.parse(latest.at) >= began;
}

/**
 * Silence on a call: once the open question has gone unanswered for the window, a provisional
 * urgency is confirmed (the caller may be doing CPR, or overcome), and the question closes.
 */
export function afterSilence(call: UrgencyState, nowMs: number): UrgencyFields {
  if (!call.urgency_provisional) return {};
  const asked = call.question ? Date.parse(call.question.asked_at) : NaN;
  if (Number.isFinite(asked) && nowMs - asked < CONFIRM_WINDOW_MS) return {};
  return { urgency_provisional: null, ...(call.question ? { question: null } : {}) };
}

/** The line dropped, or the escalation is due: what stands is confirmed. */
export function confirmed(call: UrgencyState): UrgencyFields {
  return call.urgency_provisional || call.question
    ? { urgency_provisional: null, question: null }
    : {};
}

/** A supervisor's decision: any level, with a reason; a fall is kept like a caller's. */
export function bySupervisor(
  call: UrgencyState,
  to: Urgency,
  reason: string,
  adminId: string,
  at: string,
): UrgencyFields {
  const fields: UrgencyFields = { urgency_provisional: null, question: null };
  if (to === call.urgency) return call.urgency_provisional || call.question ? fields : {};
  Object.assign(fields, narrowedAcknowledgement(call, to));
  fields.urgency = to;
  if (rank[to] < rank[call.urgency])
    fields.urgency_falls = withFall(call, {
      from: call.urgency,
      to,
      reason,
      by: 'supervisor',
      admin_id: adminId,
      at,
    });
  return fields;
}

/**
 * An acknowledgement given above the level a call fell to covers only that level now: a new rise
 * is a new alarm someone must see ("it's the drill", then "now someone has collapsed").
 */
function narrowedAcknowledgement(
  call: UrgencyState,
  to: Urgency,
): Pick<UrgencyFields, 'acknowledged_urgency'> {
  const covered = call.acknowledged_urgency;
  return call.acknowledged_by && covered && rank[covered] > rank[to]
    ? { acknowledged_urgency: to }
    : {};
}

/** How many times the call's urgency has fallen: a rise after a fall is a new alarm (its own escalation timer). */
export const fallsOf = (call: Pick<UrgencyState, 'urgency_falls'>): number =>
  Object.keys(call.urgency_falls ?? {}).length;

/** The call's falls with this one, keyed so they sort in time order. */
function withFall(call: UrgencyState, fall: UrgencyFall): Record<string, UrgencyFall> {
  const n = fallsOf(call);
  return { ...call.urgency_falls, [`f${String(n).padStart(3, '0')}`]: fall };
}

const clip = (text: string) => (text.length > 160 ? `${text.slice(0, 157)}...` : text);
