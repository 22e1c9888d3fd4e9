/**
 * The transcript goes on while humans talk (issue 24): each final utterance Twilio's real-time
 * transcription posts for a conference leg becomes one message of the live conversation, labelled
 * with who spoke, and the caller's words raise urgency as a turn's do, whoever holds the call.
 * The decisions are core/transcription.ts; this reads, claims and writes. While nobody holds the
 * call and the caller is in the conference (supervisors only listening), Aurora answers the
 * caller's words there (steps/conferenceReply.ts).
 *
 * An utterance is claimed in one transaction over the call, as a turn is opened: the claim (so a
 * replay records nothing), the caller's effect on urgency, and the turn marker (so the purge waits
 * for the message). The write of that transaction is what the fan-out trigger sees: a rise to
 * CRITICAL alarms and starts the escalation timer there (calls/fanOut.ts), held call or not.
 */
import { afterCallerWords } from '../core/callUrgency';
import { withDeadline } from '../core/errors';
import { conversationIdOf } from '../core/ids';
import { retrying } from '../core/retry';
import {
  type ClaimDecision,
  claimOnCall,
  heardFromOf,
  planRecording,
  type Recording,
  type Speaker,
  type TranscriptionEvent,
  twilioSpokenAt,
  type Unheard,
} from '../core/transcription';
import type { Settle } from '../core/turnPlan';
import { LiveCall, type LiveMessage, paths, siteIso, type Urgency } from '@aurora/model';
import { answerFor, wordsFloor } from '../assistant/keyQuestions';
import { keywordUrgency } from '../assistant/offlineResponder';
import type { Deps } from '../ports';
import { languageOrSite, proceduresOrNone } from '../steps/listening';
import { answerInConference } from '../steps/conferenceReply';
import { auroraAnswersInConference } from '../core/conference';
import { alertLateEmergency } from '../steps/lateAlert';
import { recordWordsLater } from '../steps/wordsLater';

export type TranscriptionCallback = {
  /** The call the signed statusCallbackUrl names. */
  callId: string;
  speaker: Speaker;
  /** A human leg's admin id or number. */
  who?: string;
  event: TranscriptionEvent;
  /** When the webhook answers Twilio whatever happens (performance.now() time): Aurora's reply in the conference is done by then. */
  deadline?: number;
};

/**
 * Kept back from the deadline for Aurora's reply after the responder: its write (the call's
 * transaction, then the lines), keeping it on the call, finding the conference's sid if not yet
 * known, and Twilio's announcement (four or five round trips), so the caller hears it before the
 * webhook answers (after which the instance may get no more CPU). The reply's retries stop at the
 * deadline, and a reply not announced by then is recorded as not spoken (steps/conferenceReply.ts).
 */
export const REPLY_RESERVE_MS = 2000;

export type TranscriptionOutcome =
  /** Written to the live conversation. */
  | 'recorded'
  /** Already recorded (a replayed or duplicated callback): nothing written. */
  | 'replay'
  /** Nothing to record (an interim result, silence, another event). */
  | 'ignored'
  /** A human leg's words the caller could not hear (muted, not in the conference), or the caller's outside it: logged, nothing written. */
  | 'unheard'
  /** The call was archived: appended to its transcript there. */
  | 'archived'
  /** Neither live nor archived: logged and dropped. */
  | 'dropped';

export async function recordTranscription(
  callback: TranscriptionCallback,
  deps: Deps,
): Promise<TranscriptionOutcome> {
  const { callId, speaker, who, event } = callback;
  const nowMs = deps.clock().getTime();
  const plan = planRecording(event, speaker, who, nowMs, deps.settings.timeZone);
  if (plan.kind === 'nothing') {
    if (event.kind === 'other')
      deps.log.info('live transcription event', { callId, speaker, event: event.event });
    return 'ignored';
  }
  if (event.kind === 'error')
    deps.log.error('live transcription failed: words may be missing', {
      callId,
      speaker,
      code: event.code,
      error: event.error,
    });
  if (plan.capped)
    deps.log.warn('transcribed words over the cap: cut', {
      callId,
      speaker,
      chars: event.kind === 'content' ? event.transcript.length : 0,
    });

  // A replay of a callback already recorded finds its message and writes nothing at all.
  if ((await deps.live.get(paths.message(conversationIdOf(callId), plan.messageKey))) !== null) {
    deps.log.info('replayed transcription callback: recorded nothing', { callId, speaker });
    return 'replay';
  }

  // The caller's words are triaged once, here, not in the transaction (which reruns on contention).
  const { callerWords } = plan;
  const procedures = callerWords ? await proceduresOrNone(deps) : [];
  const settle = callerWords ? settleCallerWords(deps, callerWords, procedures) : undefined;
  const nowIso = siteIso(new Date(nowMs), deps.settings.timeZone);
  const heardFrom = heardFromOf(event, speaker, nowMs);
  // Judged on Twilio's own Timestamp, however late the callback: clamped to its arrival, words
  // said in the conference and posted minutes later would be judged said outside it and lost.
  const callerSpokeAtMs =
    callerWords && event.kind === 'content' ? twilioSpokenAt(event.at, nowMs) : undefined;
  const claim = {
    key: plan.claim,
    messageKey: plan.messageKey,
    settle,
    callerSpoke: !!callerWords,
    ...(heardFrom ? { heardFrom } : {}),
    ...(callerSpokeAtMs !== undefined ? { callerSpokeAtMs } : {}),
  };
  const claimed = await retrying(() => claimUtterance(deps, callId, claim, nowIso, nowMs));
  if (claimed.kind === 'unheard') return unheard(deps, callback, claimed.why);
  if (claimed.kind !== 'claim')
    return appendToArchive(deps, callback, {
      message: plan.message,
      key: plan.claim,
      urgency: callerWords ? keywordUrgency(callerWords, procedures) : undefined,
      unchecked: !!heardFrom && !claimed.heard,
    });
  // Aurora answers the caller's words in the conference once, when the call as claimed has nobody
  // holding it: by the request whose write records them (she answers only 'recorded' words). A
  // retry finds words already written and replays (answering nothing); one that writes them,
  // the first try's write having failed (its answer was never given), answers them then.
  const answers = !!callerWords && auroraAnswersInConference(claimed.call);
  const writing = writeClaimed(deps, callback, claimed, plan, answers);
  if (!answers) return writing;
  // Composed while the words are written (a caller is waiting), answered only once they are.
  const replied = answerInConference(
    deps,
    {
      callId,
      call: claimed.call,
      words: callerWords,
      procedures,
      history: null,
      holdsMarker: claimed.decision.holdsMarker,
      ...(callback.deadline !== undefined
        ? {
            withinMs: Math.max(0, callback.deadline - performance.now() - REPLY_RESERVE_MS),
            deadline: callback.deadline,
          }
        : {}),
    },
    writing.then(
      (outcome) => outcome === 'recorded',
      () => false,
    ),
  ).catch((err: unknown) => {
    deps.log.error("Aurora's reply in the conference failed", { callId, error: String(err) });
  });
  // A write that failed is a 500, its line queued first (writeClaimed): Twilio may not post it again.
  const outcome = await writing;
  await replied;
  return outcome;
}

/**
 * Writes the claimed message, and clears the turn marker the claim set, in one write. Tried again
 * for a few seconds, as a turn's words are. Failing still, the line goes to the recordWords queue
 * under the claim's message key (steps/wordsLater.ts), and the request still fails (a 500). Twilio
 * cannot be counted on to post it again: by default it retries a webhook only when the connection
 * fails (Retry Policy `rp`, default `ct`:
 * https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides); the retries of a 5xx
 * that https://www.twilio.com/docs/api/errors/17580 describes are a recording transcription's
 * `transcriptionStatusCallback`'s. If Twilio does post again, the retry finds the claim and writes
 * the same key, without settling the words twice; the task then finds the line there.
 */
async function writeClaimed(
  deps: Deps,
  { callId, speaker }: TranscriptionCallback,
  { call, decision }: Extract<Claimed, { kind: 'claim' }>,
  plan: Recording,
  /** Aurora answers these words: the marker stays until her reply is written (the purge waits for it). */
  keepMarker = false,
): Promise<TranscriptionOutcome> {
  const marker =
    decision.holdsMarker && !keepMarker ? { [`${paths.call(callId)}/turn_started_at`]: null } : {};
  const path = paths.message(call.conversation_id, decision.messageKey);
  // A key the first claim chose (Twilio sent no Timestamp, so this one differs) may already hold the message.
  if (
    decision.claimedBefore &&
    decision.messageKey !== plan.messageKey &&
    (await deps.live.get(path)) !== null
  ) {
    if (decision.holdsMarker) await deps.live.update(marker);
    deps.log.info('replayed transcription callback: recorded nothing', { callId, speaker });
    return 'replay';
  }
  await retrying(() => deps.live.update({ [path]: plan.message, ...marker }), {
    attempts: 6,
    onRetry: (err) =>
      deps.log.warn('transcript write failed: trying again', { callId, error: String(err) }),
  }).catch(async (err: unknown) => {
    // Its urgency was settled with the claim: only the line is owed. The marker is not carried
    // (replayed later it could clear a newer turn's); the purge waits out its grace.
    await recordWordsLater(
      deps,
      {
        callId,
        callSid: call.call_sid,
        lines: [{ ...plan.message, key: decision.messageKey }],
      },
      'transcription write failed',
    );
    throw err;
  });
  if (decision.claimedBefore)
    deps.log.warn('transcription callback claimed before: its message written again', {
      callId,
      speaker,
    });
  return 'recorded';
}

/** What the caller's words do to urgency and the open question, decided on the call as stored: as a turn's do. */
function settleCallerWords(
  deps: Deps,
  words: string,
  procedures: Awaited<ReturnType<typeof proceduresOrNone>>,
): Settle {
  const floor = wordsFloor(words, procedures);
  return (call, nowIso) =>
    afterCallerWords(
      call,
      floor,
      answerFor(call.question, words, procedures, languageOrSite(deps, call.language)),
      nowIso,
      words,
    );
}

type Claimed =
  | { kind: 'claim'; call: LiveCall; decision: Extract<ClaimDecision, { kind: 'claim' }> }
  /** A human leg's words the caller could not hear. */
  | { kind: 'unheard'; why: Unheard }
  /**
   * No live call (never one, or archived and purged), or its purge has begun; `heard` when the
   * call was there to say a human leg's words were heard (it was purging).
   */
  | { kind: 'not-live'; heard: boolean };

/** Claims the utterance on the live call in one transaction (core/transcription.ts claimOnCall). */
async function claimUtterance(
  deps: Deps,
  callId: string,
  claim: Parameters<typeof claimOnCall>[1],
  nowIso: string,
  nowMs: number,
): Promise<Claimed> {
  let seen: Claimed = { kind: 'not-live', heard: false };
  const result = await deps.live.transact(paths.call(callId), (current) => {
    seen = { kind: 'not-live', heard: false };
    if (current === null) return null; // gone, or not yet known: the server decides
    const parsed = LiveCall.safeParse(current);
    if (!parsed.success) {
      deps.log.error('live call does not match the schema: transcript not recorded on it', {
        callId,
      });
      return undefined;
    }
    const decision = claimOnCall(parsed.data, claim, nowIso, nowMs);
    if (decision.kind === 'unheard') {
      seen = decision;
      return undefined;
    }
    if (decision.kind === 'purging') {
      seen = { kind: 'not-live', heard: true };
      return undefined;
    }
    const next: Record<string, unknown> = { ...(current as object), ...decision.fields };
    for (const [field, value] of Object.entries(next)) if (value === null) delete next[field];
    seen = { kind: 'claim', call: LiveCall.parse(next), decision };
    return next;
  });
  // Set by the transaction's last run (TypeScript cannot see the callback assign it).
  const last = seen as Claimed;
  if (result.committed) return last;
  return last.kind === 'claim' ? { kind: 'not-live', heard: false } : last;
}

/**
 * Words the caller could not hear are not the call's transcript: a listener's side-talk would
 * read as said on the call. Logged at info (why, never the words), and nothing is written.
 */
function unheard(
  deps: Deps,
  { callId, speaker }: TranscriptionCallback,
  why: Unheard,
): TranscriptionOutcome {
  deps.log.info(
    why === 'caller-out'
      ? "the caller's transcribed words outside the conference (Aurora's Gather hears them): not recorded"
      : 'transcribed words the caller could not hear: not recorded',
    { callId, speaker, why },
  );
  return 'unheard';
}

/**
 * Words for a call no longer live go onto the end of its archived transcript, as a late turn's
 * do (once: the claim's key is the archive's turn key), raising its archived urgency; a CRITICAL
 * one alerts every admin, the call having left the live list. A call neither live nor archived is
 * logged and dropped: a transcription callback never creates a call. A human leg's words that
 * the live call could not be asked about (`unchecked`: it was purged) are not appended: whether
 * the caller heard that leg is no longer known.
 */
async function appendToArchive(
  deps: Deps,
  callback: TranscriptionCallback,
  late: { message: LiveMessage; key: string; urgency?: Urgency; unchecked: boolean },
): Promise<TranscriptionOutcome> {
  const { callId, speaker, event } = callback;
  // The archive is found by the call's own CallSid: a human leg's callback names that leg's, so the
  // call id's reservation (kept a day after the purge) says it; the caller's leg is the call itself.
  const reservation = (await deps.live.get(paths.callIdReservation(callId))) as {
    call_sid?: unknown;
  } | null;
  if (late.unchecked && typeof reservation?.call_sid === 'string')
    return unheard(deps, callback, 'call-gone');
  const callSid =
    typeof reservation?.call_sid === 'string'
      ? reservation.call_sid
      : speaker === 'caller'
        ? event.callSid
        : undefined;
  const appended = callSid
    ? await withDeadline(
        deps.archive.appendMessages(callId, callSid, [late.message], late.key, late.urgency),
        deps.settings.archiveDeadlineMs,
        'transcript append',
      )
    : false;
  if (!appended) {
    deps.log.error('transcription for a call that is neither live nor archived: dropped', {
      callId,
      speaker,
    });
    return 'dropped';
  }
  deps.log.warn('transcribed words appended to the archived call', { callId, speaker });
  if (late.urgency === 'CRITICAL') await alertLateEmergency(deps, callId, undefined);
  return 'archived';
}
