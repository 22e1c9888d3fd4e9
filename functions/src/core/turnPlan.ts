/**
 * What one turn writes, decided apart from the writing: the caller's words or Aurora's answer as
 * messages, the call's fields (when the caller last spoke, urgency, a hand-over asked for, the
 * language, quiet), the partial speech the words close and the speculation the answer spends.
 * Pure: steps/applyTurn.ts holds the transaction and writes what this returns.
 */
import {
  type Language,
  type LiveCall,
  type LiveMessage,
  paths,
  type Role,
  type Urgency,
} from '@aurora/model';
import { raiseUrgency } from './urgency';
import type { UrgencyFields } from './callUrgency';
import { usedSpeculation } from './speculation';

/** A message of the turn: who said it, what, the procedures it drew on, and why a fallback answered. */
export type TurnMessage = { role: Role; content: string; sources: string; fallback?: string };

/** Aurora's answer (assistant/responder.ts Reply) as a message of the turn. */
export const answerOf = (reply: {
  text: string;
  sources: string[];
  fallback?: string;
}): TurnMessage => ({
  role: 'assistant',
  content: reply.text,
  sources: reply.sources.join('; '),
  ...(reply.fallback ? { fallback: reply.fallback } : {}),
});

/** What a turn does to the call's urgency, its key question and its falls, decided on the call as stored (core/callUrgency.ts). */
export type Settle = (call: LiveCall, nowIso: string) => UrgencyFields;

/** What the turn changes besides its messages. */
export type TurnChange = {
  /** The turn is over: its marker is cleared (the purge waits for it). */
  finishTurn?: boolean;
  /** Urgency the words or the answer call for: only ever raised, from the call as stored. */
  urgency?: Urgency;
  /** The words' or the answer's effect on urgency (which may fall on an answer to Aurora's question). */
  settle?: Settle;
  /** The responder asks for a human: flagged on the call for the supervisors. */
  handoff?: boolean;
  /** Marks the Gather's partial speech as closed: its final words are now a message. */
  closePartial?: { gather: string };
  /** The Gather this reply answers: its speculation, used or not, is spent. */
  answered?: { gather: string };
  /**
   * The turn's opening stamped the call's last_message_at as these words arrived: it is not
   * written again (one change less to the call, which the fan-out would handle for nothing).
   */
  stampedAtOpening?: boolean;
  /** The caller said nothing: marks since when. */
  quiet?: boolean;
  /** What this utterance did to the caller's language (assistant/language.ts languageChange). */
  language?: {
    language?: Language;
    evidence: LiveCall['language_evidence'] | null;
    switchedTo?: Language;
  };
  /**
   * The messages are Aurora's answer. A supervisor may take the call while the responder
   * thinks: the answer is then recorded as one the caller may not have heard.
   */
  reply?: boolean;
  /**
   * The reply is said by the TwiML answering the caller's Gather (takeTurn), not announced into the
   * conference. A caller moved into the call's conference meanwhile (a listener joined a call
   * nobody holds) never hears it: the move is a call update, which replaces the TwiML Twilio runs
   * (https://www.twilio.com/docs/voice/api/call-resource#update-a-call-resource).
   */
  saidByTwiml?: boolean;
  /**
   * The reply is Aurora's goodbye to a silent caller, which hangs up: cut off by a move into the
   * conference, it is not announced there (the call goes on there) and the turn listens instead.
   */
  endsCall?: boolean;
};

export type TurnInput = {
  callId: string;
  /** The call as stored: as the turn opened it, or as the urgency transaction found it. */
  call: LiveCall;
  messages: TurnMessage[];
  change: TurnChange;
  nowIso: string;
  /** A fresh key for each message, in order. */
  nextKey: () => string;
  /** The supervisor's words for a language switch (assistant/language.ts languageSwitchNote), when there is one. */
  languageNote?: string;
};

export type TurnPlan = {
  /**
   * The call's own fields. With `change.urgency` or `change.settle` they are set in a transaction over the call as
   * stored (two overlapping turns each began from their own snapshot, and neither may lower what
   * the other raised); otherwise they are part of `writes`.
   */
  callFields: Record<string, unknown>;
  /** Who holds the call while Aurora answers: the answer is then recorded as possibly unheard. */
  holder: string | null;
  /**
   * The caller was moved into the call's conference while Aurora composed a reply the Gather's
   * TwiML would say (`change.saidByTwiml`): it is recorded as possibly unheard, and the caller
   * hears it only if it is announced into the conference (steps/conference.ts announceMovedReply).
   */
  movedIn: boolean;
  /** One multi-path write: the messages, the partial and speculation they settle, the marker cleared. */
  writes: Record<string, unknown>;
};

/**
 * Whether the turn's call fields are decided in a transaction over the call as stored
 * (steps/applyTurn.ts), not on the call as the turn opened it: urgency only ever rises from the
 * stored value, and a reply the Gather's TwiML says must see a move into the conference (or a
 * take) that landed meanwhile.
 */
export const decidedOnStored = (change: TurnChange): boolean =>
  !!(change.urgency || change.settle || change.saidByTwiml);

/**
 * The turn's writes on `input.call`. The messages and the cleared marker go in one write, so the
 * marker is never cleared before the messages are stored.
 */
export function planTurn({
  callId,
  call,
  messages,
  change,
  nowIso,
  nextKey,
  languageNote,
}: TurnInput): TurnPlan {
  const fields: Record<string, unknown> = change.stampedAtOpening
    ? {}
    : { last_message_at: nowIso };
  const language = change.language;
  if (language?.language) fields.language = language.language;
  if (language && (language.evidence || call.language_evidence))
    fields.language_evidence = language.evidence;
  if (change.quiet && !call.quiet_since) fields.quiet_since = nowIso;
  if (messages.some((m) => m.role === 'user') && call.quiet_since) fields.quiet_since = null;

  const holder = change.reply && call.mode === 'human' ? (call.admin_id ?? 'a supervisor') : null;
  const movedIn = !holder && !!change.reply && !!change.saidByTwiml && !!call.conference?.caller_in;
  // Urgency is decided in a transaction over the call as stored (applyTurn.ts).
  const settles = decidedOnStored(change);
  if (settles) {
    // A supervisor already holds the call: no hand-over is asked for.
    if (change.handoff && !holder) fields.handoff_requested = true;
    if (change.settle) Object.assign(fields, change.settle(call, nowIso));
    // A reply a supervisor's take-over overtook may not have been heard: its question is not open.
    // So may one a move into the conference cut off (the caller hears it only if it is announced there).
    if ((holder || movedIn) && fields.question) delete fields.question;
    if (change.urgency)
      fields.urgency = raiseUrgency((fields.urgency as Urgency) ?? call.urgency, change.urgency);
  }

  const writes: Record<string, unknown> = {};
  // Written with the turn, before Aurora's reply: the supervisor reads why it is in another language.
  if (language?.switchedTo && languageNote)
    writes[paths.message(call.conversation_id, nextKey())] = {
      role: 'system',
      content: languageNote,
      timestamp: nowIso,
      sources: '',
    } satisfies LiveMessage;
  for (const { role, content, sources, fallback } of messages) {
    const message: LiveMessage = {
      ...(holder
        ? { role: 'system', content: overtaken(holder, content) }
        : movedIn
          ? {
              role: 'system',
              content: (change.endsCall ? goodbyeCutOffByMove : cutOffByMove)(content),
            }
          : { role, content }),
      timestamp: nowIso,
      sources,
      ...(fallback ? { fallback } : {}),
    };
    writes[paths.message(call.conversation_id, nextKey())] = message;
  }
  if (change.closePartial)
    writes[paths.partial(call.conversation_id)] = {
      gather: change.closePartial.gather,
      closed: true,
    };
  // The Gather is answered (its partials were closed when the turn began): its speculation is spent.
  if (change.answered)
    writes[paths.speculation(call.conversation_id)] = usedSpeculation(
      change.answered.gather,
      nowIso,
    );
  if (!settles)
    for (const [field, value] of Object.entries(fields))
      writes[`${paths.call(callId)}/${field}`] = value;
  if (change.finishTurn) writes[`${paths.call(callId)}/turn_started_at`] = null;
  return { callFields: fields, holder, movedIn, writes };
}

/**
 * Aurora's answer when a supervisor took the call while it was being composed. Twilio plays
 * the supervisor's line and drops the answer once their redirect lands; if it lands after the
 * answer, or is refused and undone, the caller hears it. So the transcript says it may not have
 * been heard, and keeps it for the supervisor to read.
 */
export const overtaken = (admin: string, answer: string) =>
  `May not have been heard: ${admin} took the call while Aurora was answering. Aurora answered: ${answer}`;

/**
 * Aurora's answer to words at a Gather when a listener's join moved the caller into the call's
 * conference while it was being composed: Twilio drops the TwiML that would have said it (the move
 * is a call update), so it is announced into the conference instead, which may fail or come
 * too late for a caller who has just left. Not "said" until known; its key question is not open.
 */
export const cutOffByMove = (answer: string) =>
  `May not have been heard: the caller was moved into the voice conference while Aurora was answering; the answer is announced there. Aurora answered: ${answer}`;

/** Aurora's goodbye to a silence, cut off by a move into the conference: never said, and the call goes on there. */
export const goodbyeCutOffByMove = (goodbye: string) =>
  `Not spoken: Aurora's goodbye was not said to the caller (they were moved into the voice conference as she was saying it to their silence; the call goes on there and was not ended). She would have said: ${goodbye}`;
