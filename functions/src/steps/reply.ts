/**
 * Aurora's reply to a caller's words: what a turn answers with, and what a speculation on the
 * stable partial words prepares before the turn arrives (calls/partialSpeech.ts).
 */
import { languageAfter } from '../assistant/language';
import { withKeyQuestion } from '../assistant/keyQuestions';
import { offlineReply } from '../assistant/offlineResponder';
import type { Reply, ResponderInput } from '../assistant/responder';
import { conversationIdOf } from '../core/ids';
import {
  type Language,
  type LiveConversation,
  orderedMessages,
  type Procedure,
} from '@aurora/model';
import { speakable } from '../core/twiml';
import { modelAllowed } from '../core/limits';
import type { Caller, Deps } from '../ports';
import type { OpenedCall } from './applyTurn';
import { readConversation } from './liveCalls';

export type ReplyRequest = {
  /** The call the words are on (null: not a live call, answered without context). */
  found: OpenedCall | null;
  utterance: string;
  procedures: Procedure[];
  /** The conversation so far, when it is already being read. */
  history: Promise<LiveConversation | null> | null;
  /** The call's language before these words. */
  callLanguage: Language;
  /** What is left of the turn for the responder. */
  withinMs?: number;
};

/**
 * Aurora's reply to `utterance`, as a turn (or a speculation on stable partial words) makes it:
 * the context, the language, the responder chain with its fallbacks, and the text cleaned to
 * what the caller can hear. Answered in the call's language (the registry's, else the site's),
 * unless these words complete a switch (assistant/language.ts: strong, repeated evidence).
 */
export async function composeReply(
  deps: Deps,
  { found, utterance, procedures, history, callLanguage, withinMs }: ReplyRequest,
): Promise<{ reply: Reply; language: Language }> {
  const { input, speculated } = await responderInput(deps, found, utterance, procedures, history);
  // The call's language (the registry's, else the site's), unless these words complete a switch.
  const { language } = languageAfter(found?.call, callLanguage, utterance);
  input.language = language;
  if (withinMs !== undefined) input.withinMs = withinMs;
  const responded = await respond(deps, input, found, speculated);
  // Unsure words get the key question that settles them, whichever responder answered.
  const answered = withKeyQuestion(responded, utterance, procedures, language, input.history);
  // What is recorded is what the caller hears: text XML cannot carry is cleaned out of both.
  return { reply: { ...answered, text: speakable(answered.text) }, language };
}

/**
 * The earlier turns and who is calling; neither may keep the caller waiting on a failure. With
 * them, how many speculations the call has started: model calls too, counted against its ceiling.
 */
async function responderInput(
  deps: Deps,
  found: OpenedCall | null,
  utterance: string,
  procedures: Procedure[],
  prefetched: Promise<LiveConversation | null> | null,
): Promise<{ input: ResponderInput; speculated: number }> {
  const unknown: Caller = { workerId: found?.call.worker_id ?? 'unknown' };
  if (!found)
    return { input: { utterance, caller: unknown, history: [], procedures }, speculated: 0 };
  const conversationId = found.call.conversation_id;
  const [conversation, caller] = await Promise.all([
    prefetched && conversationIdOf(found.callId) === conversationId
      ? prefetched
      : readConversation(deps.live, conversationId).catch(() => null),
    found.call.worker_id === 'unknown'
      ? null
      : deps.workers.findByPhone(found.call.mobile_no).catch(() => null),
  ]);
  // The history read may already hold this turn's words; the responder gets them as the utterance.
  const history = orderedMessages(conversation)
    .filter((m, i, all) => !(i === all.length - 1 && m.role === 'user' && m.content === utterance))
    .map(({ role, content }) => ({ role, content }));
  return {
    input: { utterance, caller: caller ?? unknown, history, procedures },
    speculated: conversation?.speculated ?? 0,
  };
}

async function respond(
  deps: Deps,
  input: ResponderInput,
  found: Pick<OpenedCall, 'call'> | null,
  speculated = 0,
): Promise<Reply> {
  // Past a cost ceiling the offline responder answers: it still triages, guides and escalates.
  // Speculations are model calls too (a hit is counted twice, once as its answer: the safe side).
  const modelTurns = input.history.filter((m) => m.role === 'assistant').length + speculated;
  if (!modelAllowed(found?.call ?? null, modelTurns, deps.settings.limits))
    return {
      ...offlineReply(input.utterance, input.procedures, input.language, input.history),
      fallback: 'ceiling',
    };
  try {
    return await deps.responder.respond(input);
  } catch (err) {
    deps.log.error('responder failed: using the offline responder', { error: String(err) });
    return {
      ...offlineReply(input.utterance, input.procedures, input.language, input.history),
      fallback: 'offline',
    };
  }
}
