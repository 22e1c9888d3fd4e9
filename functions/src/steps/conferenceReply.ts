/**
 * Aurora answers a caller in the call's conference (issue 24, point 3): while supervisors only
 * listen and nobody holds the call (core/conference.ts auroraAnswersInConference), the caller's
 * words come from their real-time transcription (calls/transcription.ts), and Aurora's reply is
 * announced into the conference, which a call update would take the caller out of. A turn's
 * reply, in all but how it reaches the caller: composed the same (steps/reply.ts), recorded the
 * same (steps/applyTurn.ts), and only what was not spoken is said to be so.
 *
 * There is no Gather here, so no silence timeout: Aurora does not prompt a quiet caller again
 * while they are listened to; a human is on the line (docs/supervisor-voice.md).
 */
import { languageChange } from '../assistant/language';
import { CONFERENCE_NOTES, auroraAnswersInConference } from '../core/conference';
import { afterReply } from '../core/callUrgency';
import { answerOf } from '../core/turnPlan';
import { paths, type LiveCall, type LiveConversation, type Procedure } from '@aurora/model';
import type { Deps } from '../ports';
import { applyTurn } from './applyTurn';
import { type Announced, announceIntoConference, notSpokenBecause } from './conference';
import { languageOrSite, noteOnCall } from './listening';
import { changeCall } from './liveCalls';
import { composeReply } from './reply';

export type ConferenceTurn = {
  callId: string;
  /** The call as the claim of the caller's words saw it (and left it). */
  call: LiveCall;
  /** The caller's final words, as recorded. */
  words: string;
  /** The procedures the words were triaged with. */
  procedures: Procedure[];
  /** The conversation so far, being read meanwhile (null: read here). */
  history: Promise<LiveConversation | null> | null;
  /** What is left for the responder, when the webhook has a deadline. */
  withinMs?: number;
  /**
   * When the webhook answers Twilio (performance.now() time), after which this instance may get
   * no more CPU: the reply's retries stop by then, and a reply not announced by then is not.
   */
  deadline?: number;
  /** The claim set the turn marker (the purge waits for it): the reply's write clears it. */
  holdsMarker: boolean;
};

/** How Aurora's answer in the conference ended. */
export type ConferenceReplied =
  /** Twilio accepted the announcement: the caller hears it. */
  | 'announced'
  /** The words were not recorded after all: nothing was answered. */
  | 'not-recorded'
  /** A supervisor took the call while Aurora was answering: recorded as possibly unheard, not said. */
  | 'overtaken'
  /** Recorded, then not said (the conference ended, Twilio refused): the transcript says so. */
  | 'not-spoken';

/**
 * Aurora's reply to the caller's words in the conference. Composed at once, while the caller's
 * words are still being written (`recorded` says whether they were: nothing is answered to words
 * that are not in the transcript); written as a turn's reply is, settling urgency, the key
 * question and a hand-over request; then kept on the call and announced, only if Aurora is still
 * the caller's voice there. A reply that is recorded and not said gets a system line saying so.
 */
export async function answerInConference(
  deps: Deps,
  turn: ConferenceTurn,
  recorded: Promise<boolean>,
): Promise<ConferenceReplied> {
  const { callId, call, words } = turn;
  let markerCleared = false;
  try {
    const callLanguage = languageOrSite(deps, call.language);
    const [composed, wordsRecorded] = await Promise.all([
      composeReply(deps, {
        found: { callId, call },
        utterance: words,
        procedures: turn.procedures,
        history: turn.history,
        callLanguage,
        ...(turn.withinMs !== undefined ? { withinMs: turn.withinMs } : {}),
      }),
      recorded,
    ]);
    if (!wordsRecorded) return 'not-recorded';
    const { reply } = composed;
    // When the reply's key question opened (its asked_at): closed again if the reply is not said.
    let askedAt: string | null = null;
    const { holder } = await applyTurn(
      deps,
      { callId, call },
      [answerOf(reply)],
      {
        finishTurn: turn.holdsMarker,
        settle: (current, nowIso) => {
          const fields = afterReply(
            current,
            { urgency: reply.urgency, provisional: reply.provisional, question: reply.question },
            nowIso,
          );
          askedAt = fields.question?.asked_at ?? null;
          return fields;
        },
        handoff: reply.handoff,
        language: languageChange(call, callLanguage, words),
        reply: true,
      },
      { until: turn.deadline },
    );
    markerCleared = true;
    // Recorded by applyTurn as one the caller may not have heard; the holder speaks now, not Aurora.
    if (holder) return 'overtaken';
    const announced: Announced | { kind: 'out-of-time' } =
      turn.deadline !== undefined && performance.now() >= turn.deadline
        ? { kind: 'out-of-time' }
        : await announceIntoConference(
            deps,
            callId,
            call,
            reply.text,
            auroraAnswersInConference,
            true,
          );
    if (announced.kind === 'announced') return 'announced';
    const why = notSpokenBecause(announced);
    deps.log.warn("Aurora's reply in the conference was not spoken", {
      callId,
      outcome: announced.kind,
    });
    if (askedAt) await closeUnheardQuestion(deps, callId, askedAt);
    await noteOnCall(deps, call, [['system', CONFERENCE_NOTES.replyNotSpoken(why)]]);
    return 'not-spoken';
  } finally {
    // Whatever failed, the purge must not wait out the marker's grace for a reply never written.
    if (turn.holdsMarker && !markerCleared) await clearMarker(deps, callId);
  }
}

/**
 * The key question a reply opened, closed again when the reply was not said (as a take-over
 * closes it, core/turnPlan.ts): the caller's next "yes" must not answer a question they never
 * heard, nor let urgency fall. Only the question this reply asked (its asked_at); a later one
 * stands. Best effort: logged.
 */
async function closeUnheardQuestion(deps: Deps, callId: string, askedAt: string): Promise<void> {
  await changeCall(deps.live, callId, (current) =>
    current.question?.asked_at === askedAt ? { question: null } : undefined,
  ).catch((err: unknown) =>
    deps.log.error("could not close the key question of Aurora's unsaid reply", {
      callId,
      error: String(err),
    }),
  );
}

async function clearMarker(deps: Deps, callId: string): Promise<void> {
  await deps.live
    .update({ [`${paths.call(callId)}/turn_started_at`]: null })
    .catch((err: unknown) =>
      deps.log.error('could not clear the turn marker of a reply in the conference', {
        callId,
        error: String(err),
      }),
    );
}
