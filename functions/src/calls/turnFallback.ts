/**
 * The answer to a turn when takeTurn is not done by the webhook's deadline (triggers/webhooks.ts):
 * the offline responder's, from the caller's words alone. Kept apart from takeTurn.ts, which
 * records whichever answer the caller heard (core/firstAnswer.ts).
 */
import { replyLanguage } from '../assistant/language';
import { offlineReply } from '../assistant/offlineResponder';
import { DEMO_PROCEDURES } from '../assistant/procedures';
import type { FirstAnswer } from '../core/firstAnswer';
import { listenOnly, speakAndListen } from '../core/twiml';
import { languageOf } from '@aurora/model';
import type { Deps } from '../ports';
import { listening, siteLanguage } from '../steps/listening';

export type LateTurn = {
  /** The caller's words (Twilio's SpeechResult). */
  speech: string;
  /** The call id from the action URL, when Aurora put one there. */
  callHint?: string;
  /** The turn's one answer, which takeTurn may have settled already. */
  answer: FirstAnswer;
  /** The Gather was given while a supervisor held the call: nothing is said (core/twiml.ts NextTurn.held). */
  heldHint?: boolean;
};

export function turnFallback({ speech, callHint, answer, heldHint }: LateTurn, deps: Deps): string {
  // Nothing read in time, not even the registry: the answer is in the language of the words.
  const language = replyLanguage(undefined, speech, siteLanguage(deps));
  // If the turn settled its answer already (its writes are what is slow), that answer is spoken;
  // otherwise this one is, and the turn records it when it gets there (core/firstAnswer.ts). On a
  // call a supervisor held when this Gather was given, Aurora says nothing: an empty answer listens.
  const spoken = heldHint
    ? answer.settle({ text: '', language, urgency: 'NORMAL', sources: [] })
    : answer.settle({
        ...offlineReply(speech, DEMO_PROCEDURES, language),
        language,
        fallback: 'deadline',
      });
  const listen = listening(deps, [], {
    call: callHint,
    language: languageOf(spoken.language) ?? language,
    held: heldHint,
  });
  return spoken.text === '' ? listenOnly(listen) : speakAndListen(spoken.text, listen);
}
