import { createHash, randomBytes } from 'node:crypto';
import { languageChange } from '../assistant/language';
import { keywordUrgency } from '../assistant/offlineResponder';
import type { Reply } from '../assistant/responder';
import { withDeadline } from '../core/errors';
import { conversationIdOf } from '../core/ids';
import {
  type Language,
  languageOf,
  LiveCall,
  type LiveConversation,
  type LiveMessage,
  paths,
  type Procedure,
  siteIso,
  type Urgency,
} from '@aurora/model';
import { LINES_IN, listenOnly, speakAndHangUp, speakAndListen, voiceFor } from '../core/twiml';
import { onSilence } from '../core/silence';
import { retrying } from '../core/retry';
import type { FirstAnswer } from '../core/firstAnswer';
import { raiseUrgency } from '../core/urgency';
import type { Deps, KeyedLine } from '../ports';
import type { Timings } from '../core/log';
import { languageOrSite, listening, proceduresOrNone } from '../steps/listening';
import { recordLate } from '../steps/lateRecord';
import { alertLateEmergency } from '../steps/lateAlert';
import { changeCall, readConversation } from '../steps/liveCalls';
import { speculatedReply } from '../steps/speculation';
import { composeReply } from '../steps/reply';
import { applyTurn } from '../steps/applyTurn';
import { announceMovedReply } from '../steps/conference';
import { recordWordsLater, unkeyed } from '../steps/wordsLater';
import { answerOf, type Settle, type TurnMessage } from '../core/turnPlan';
import { afterCallerWords, afterReply, afterSilence, type WordsFloor } from '../core/callUrgency';
import { answerFor, askedQuestion, wordsFloor } from '../assistant/keyQuestions';
import { questionIn } from '../assistant/answers';

export type Turn = {
  callSid: string;
  speech: string;
  silentTurns: number;
  /** The call id from the action URL, when Aurora put one there. */
  callHint?: string;
  /** The Gather this speech answers; its partial results are closed by this turn. */
  gather?: string;
  /** Twilio's I-Twilio-Idempotency-Token: the same on a retried request. */
  idempotencyToken?: string;
  /** The caller's number, as Twilio sends it with every request: a call never recorded is recorded with it. */
  from?: string;
  /** When the answer must be ready (performance.now() time): the request's arrival plus what Twilio allows. */
  deadline?: number;
  /** Settled by whichever answers first, this turn or the webhook's deadline fallback (core/firstAnswer.ts). */
  answer?: FirstAnswer;
  /**
   * The Gather was given to Twilio while a supervisor held the call (its signed action URL says so:
   * core/twiml.ts NextTurn.held). What the database says decides; this, only when it cannot.
   */
  heldHint?: boolean;
};

/** Kept back from the deadline for the turn's writes after the responder has answered. */
export const WRITE_RESERVE_MS = 1000;

/**
 * What makes a turn the same turn when Twilio sends it again: its Gather (one answer per
 * Gather), else Twilio's idempotency token. RTDB keys cannot hold every token character, so it is hashed.
 */
export function turnKey(turn: Pick<Turn, 'gather' | 'idempotencyToken'>): string | undefined {
  if (turn.gather) return turn.gather;
  return turn.idempotencyToken
    ? `t${createHash('sha256').update(turn.idempotencyToken).digest('hex').slice(0, 20)}`
    : undefined;
}

type Found = {
  callId: string;
  /** The call as it was when the turn began. */
  call: LiveCall;
  /** This turn set the call's turn marker and may record on it (false once the purge has begun). */
  began: boolean;
  /** A replay of a turn already recorded: it is answered again, and records nothing. */
  replay: boolean;
};

/**
 * One caller turn: records the caller's words and Aurora's reply, raises urgency, and answers
 * with TwiML. The caller always gets an answer: a failed write is logged, a failed responder
 * falls back to the offline one, an unknown call is answered without recording anything, and
 * a turn for a call already archived is appended to its archive.
 */
export async function takeTurn(turn: Turn, deps: Deps, timings: Timings = {}): Promise<string> {
  // The call's record is kept at hand while the turn runs (adapters/liveDb.ts): the reply's urgency,
  // while the caller waits, then commits in one round trip rather than two. Not past the turn:
  // its transactions abort on fields that revert (who holds the call, the caller in the conference).
  const release = turn.callHint ? deps.live.watch?.(paths.call(turn.callHint)) : undefined;
  try {
    return await answerTurn(turn, deps, timings);
  } finally {
    release?.();
  }
}

async function answerTurn(turn: Turn, deps: Deps, timings: Timings): Promise<string> {
  const { log } = deps;
  // The history is read alongside, from the conversation the action URL's call id implies.
  const history = turn.callHint
    ? readConversation(deps.live, conversationIdOf(turn.callHint)).catch(() => null)
    : null;
  const utterance = turn.speech.trim();
  // The procedures are cached for minutes: when they are at hand the caller's words are triaged
  // before the turn opens, and their urgency is raised in the same write that opens it. On a cold
  // instance the turn does not wait for them (up to a Firestore read): it opens at once, and the
  // urgency is raised with the caller's words instead (raisedLater), still before any answer.
  const loading = proceduresOrNone(deps);
  const atHand = await Promise.race([
    loading,
    new Promise<null>((resolve) => setImmediate(() => resolve(null))),
  ]);
  const triaged = (procedures: Procedure[]) =>
    utterance === '' ? undefined : keywordUrgency(utterance, procedures);
  // What the words do to the call's urgency, decided on the call as stored (core/callUrgency.ts):
  // they answer Aurora's open question, or raise it; silence past the window confirms it.
  // The words are triaged once, not on each run of the transaction callback (which reruns on contention).
  const settleWith = (procedures: Procedure[]): Settle => {
    if (utterance === '') return (call) => afterSilence(call, deps.clock().getTime());
    let floor: WordsFloor | undefined;
    return (call, nowIso) =>
      afterCallerWords(
        call,
        (floor ??= wordsFloor(utterance, procedures)),
        answerFor(call.question, utterance, procedures, languageOrSite(deps, call.language)),
        nowIso,
        utterance,
      );
  };
  const opening = performance.now();
  // Silence needs no procedures: it may confirm a provisional urgency even on a cold instance.
  const opens = openWithRetry(
    deps,
    turn,
    atHand || utterance === '' ? settleWith(atHand ?? []) : undefined,
  );
  // The words are triaged while the opening's first round trip is under way: without the call at
  // hand the database's first guess at it is null, which settles nothing, and triage keeps its
  // answer for the callback's run on the call as stored (assistant/triage.ts keeps the latest few).
  const floorAtHand = atHand ? triaged(atHand) : undefined;
  const opened = await opens;
  timings.open = performance.now() - opening;
  const procedures = atHand ?? (await loading);
  const floor = atHand ? floorAtHand : triaged(procedures);
  const raisedLater = !atHand && utterance !== '' ? { settle: settleWith(procedures) } : {};
  // A call the action URL does not name and whose start was never recorded is recorded now (also
  // when the database has just refused every attempt to open the turn).
  const recordedNow =
    opened === null || (opened === 'unreachable' && !turn.callHint)
      ? await openLate(deps, turn, settleWith(procedures))
      : null;
  const found = await answeredUnopened(
    deps,
    turn,
    history,
    opened && opened !== 'unreachable' ? opened : recordedNow,
  );
  // Every attempt to open the turn failed: its words still go to the call the signed action URL names.
  const unopened = opened === 'unreachable' && !found ? turn.callHint : undefined;
  // This request's claim on the turn when it records without opening it (recordUnopened).
  const claim = unopened ? `unopened-${randomBytes(6).toString('hex')}` : '';
  // Who holds a call the turn could not open: a plain read may work where its transaction did not.
  // Unreadable even so, the Gather Twilio ran says whether a supervisor held the call when it was
  // given (every take and hand-back replaces it): Aurora never speaks while a human holds the call.
  const heldUnopened = unopened
    ? await retrying(() => deps.live.get(`${paths.call(unopened)}/mode`)).then(
        (mode) => mode === 'human',
        () => turn.heldHint === true,
      )
    : false;
  if (!found && !unopened) log.warn('turn for a call that is not live', { callSid: turn.callSid });
  // The call's language so far (the registry's, or what the caller's words were in); this turn's words may change it.
  const callLanguage = languageOrSite(deps, found?.call.language);

  // While a human holds the call, the deadline's fallback must not speak either (core/firstAnswer.ts: an empty answer listens).
  const held = found?.call.mode === 'human' || heldUnopened;
  // The next Gather says whether the call was held as this turn found it (core/twiml.ts NextTurn.held).
  const next = (silent = 0, language: Language = callLanguage) =>
    listening(deps, procedures, {
      call: found?.callId ?? turn.callHint,
      silent,
      language,
      held,
    });
  if (held)
    turn.answer?.settle({ text: '', language: callLanguage, urgency: 'NORMAL', sources: [] });
  // The database refused the turn: what the call is cannot be known, so silence never ends it.
  if (utterance === '')
    return silentTurn(deps, turn, found, held, opened === 'unreachable', callLanguage, next);

  const closePartial = turn.gather ? { gather: turn.gather } : undefined;
  const lateCallId =
    found?.began || found?.replay || unopened
      ? undefined
      : (found?.callId ?? turn.callHint ?? (await tombstoneOf(deps, turn.callSid)));
  const callerSaid: LiveMessage = { role: 'user', content: utterance, timestamp: '', sources: '' };
  if (held) {
    // Aurora does not speak while a supervisor holds the call; the words were triaged when the turn opened.
    if (found?.began)
      await applyTurn(deps, found, [callerWords(utterance)], {
        finishTurn: true,
        closePartial,
        ...raisedLater,
      });
    else if (unopened) await recordUnopened(deps, turn, unopened, claim, [callerSaid], floor);
    else if (lateCallId) await recordLateTurn(deps, turn, lateCallId, [callerSaid], floor);
    return listenOnly(next());
  }
  // Recorded before the reply is composed: the caller's words count even if nothing else does.
  if (unopened) await recordUnopened(deps, turn, unopened, claim, [callerSaid], floor);

  // The caller's words are written while the context is read and the responder thinks. The
  // reply's write need not wait for that one: writes from one client arrive in the order sent.
  const started = found?.began
    ? applyTurn(deps, found, [callerWords(utterance)], {
        closePartial,
        stampedAtOpening: true,
        ...raisedLater,
      })
    : null;
  // The responder gets what is left of the turn since the request arrived, not a budget of its
  // own: asked again after waiting for a speculation, which may have used some of it.
  const timeLeft = () =>
    turn.deadline !== undefined
      ? Math.max(0, turn.deadline - performance.now() - WRITE_RESERVE_MS)
      : undefined;
  const thinking = performance.now();
  // A reply started on the stable partial words answers at once when the final words say the
  // same and are triaged the same (punctuation splits clauses: "no, there is a fire" is not "no there is a fire").
  const speculated = found
    ? await speculatedReply(
        deps,
        found.call.conversation_id,
        turn.gather,
        utterance,
        history,
        timeLeft(),
        procedures,
      )
    : null;
  const composed = speculated?.hit
    ? { reply: speculated.hit.reply, language: speculated.hit.language ?? callLanguage }
    : await composeReply(deps, {
        found,
        utterance,
        procedures,
        history,
        callLanguage,
        withinMs: timeLeft(),
      });
  timings.responder = performance.now() - thinking;
  if (speculated) timings.speculation = speculated.hit ? 1 : 0;
  // What the caller hears: this reply, unless the webhook's deadline already answered with its fallback.
  const spoken = spokenAnswer(turn, composed);
  const { language } = spoken;
  // A replay records nothing, so the question it asks must be the one still open on the call
  // (the first attempt's answer may never have reached the caller): the next words answer it.
  const reply = found?.replay
    ? askingOpenQuestion(spoken.reply, found.call.question, procedures, language)
    : spoken.reply;
  if (started && found) {
    const finished = applyTurn(deps, found, replyLines(reply).map(answerOf), {
      finishTurn: true,
      answered: closePartial,
      settle: (call, nowIso) =>
        afterReply(
          call,
          {
            urgency: raiseUrgency(reply.urgency, composed.reply.urgency),
            provisional: composed.reply.provisional,
            // A question the caller heard: not the deadline's fallback's stand-in.
            question: reply === composed.reply ? reply.question : undefined,
          },
          nowIso,
        ),
      handoff: composed.reply.handoff,
      language: languageChange(found?.call, callLanguage, utterance),
      reply: true,
      saidByTwiml: true,
    });
    // A take-over that landed meanwhile is recorded as such (record); the answer is still returned:
    // Twilio drops it once the supervisor's redirect lands, and the caller hears it if that was refused and undone.
    const writing = performance.now();
    const [, { movedIn }] = await Promise.all([started, finished, speculated?.counted]);
    timings.write = performance.now() - writing;
    // A listener's join moved the caller into the conference meanwhile: Twilio drops this TwiML
    // (the move is a call update), so the caller hears the reply only as an announcement there.
    if (movedIn && reply.text !== '')
      await announceMovedReply(deps, found.callId, movedIn, reply.text);
  } else if (unopened) {
    await recordUnopened(
      deps,
      turn,
      unopened,
      claim,
      replyLines(reply).map(toMessage),
      raiseUrgency(reply.urgency, composed.reply.urgency),
      reply.question ?? null,
    );
  } else if (lateCallId) {
    await recordLateTurn(
      deps,
      turn,
      lateCallId,
      [callerSaid, ...replyLines(reply).map(toMessage)],
      raiseUrgency(reply.urgency, floor ?? 'NORMAL'),
    );
  }
  return speakAndListen(reply.text, next(0, language));
}

const callerWords = (content: string): TurnMessage => ({ role: 'user', content, sources: '' });

/** The same, as the live conversation stores it (stamped when written). */
const toMessage = (reply: Reply): LiveMessage => ({ ...answerOf(reply), timestamp: '' });

/**
 * Aurora's reply as lines of the transcript: none when she said nothing (the webhook's deadline
 * answered first with silence, its Gather having been given while a supervisor held the call).
 */
const replyLines = (reply: Reply): Reply[] => (reply.text === '' ? [] : [reply]);

/**
 * The answer that stands for this turn: the composed one, or, when the webhook's deadline fired
 * first and spoke its fallback, that fallback (what the caller heard is what is recorded).
 */
function spokenAnswer(
  turn: Turn,
  composed: { reply: Reply; language: Language },
): { reply: Reply; language: Language } {
  if (!turn.answer) return composed;
  const { reply, language } = composed;
  const spoken = turn.answer.settle({
    text: reply.text,
    language,
    urgency: reply.urgency,
    sources: reply.sources,
    ...(reply.fallback ? { fallback: reply.fallback } : {}),
  });
  if (spoken.text === reply.text && spoken.language === language) return composed;
  return {
    reply: {
      text: spoken.text,
      urgency: spoken.urgency,
      sources: spoken.sources,
      ...(spoken.fallback ? { fallback: spoken.fallback } : {}),
    },
    language: languageOf(spoken.language) ?? language,
  };
}

/**
 * A turn without words. On an ordinary call Aurora asks again, then says goodbye; on a CRITICAL
 * or URGENT call (or one whose state could not be read) it never hangs up: it listens, says it is
 * still there at long intervals, and marks the call quiet for the supervisors (core/silence.ts).
 * While a human holds the call Aurora says nothing at all. What she says is recorded as a reply the
 * Gather's TwiML says: cut off by a take or a listener's move-in, it is not in the transcript as said.
 */
async function silentTurn(
  deps: Deps,
  turn: Turn,
  found: Found | null,
  held: boolean,
  unreadable: boolean,
  callLanguage: Language,
  next: (silent?: number, language?: Language) => ReturnType<typeof listening>,
): Promise<string> {
  const silent = turn.silentTurns + 1;
  if (held) {
    // A human holds the call: the caller may be unconscious or trapped. Aurora neither speaks
    // over the supervisor nor hangs up; the line stays open and the holder sees the silence.
    if (found?.began) await applyTurn(deps, found, [], { finishTurn: true, quiet: true });
    return listenOnly(next(silent));
  }
  // The database refused the turn and who holds the call is unknown: a prompt could be spoken over
  // a supervisor, and silence is no emergency to speak into, so Aurora only listens (never hangs up).
  if (unreadable && !found) return listenOnly(next(silent));
  const lines = LINES_IN[callLanguage];
  const step = onSilence(silent, unreadable ? 'CRITICAL' : found?.call.urgency);
  const said =
    step === 'close'
      ? lines.closing
      : step === 'reprompt'
        ? lines.reprompt
        : step === 'reassure'
          ? lines.stillHere
          : null;
  // The webhook's deadline may have answered first (a database slow for seconds): the caller heard
  // its answer, which is what is recorded; otherwise a deadline firing from now on says this line.
  const heard = turn.answer?.settle({
    text: said ?? '',
    language: callLanguage,
    urgency: 'NORMAL',
    sources: [],
  });
  const deadlineAnswered = heard !== undefined && heard.text !== (said ?? '');
  const line = deadlineAnswered ? heard : { text: said ?? '', sources: [] };
  if (found?.began) {
    const { holder, movedIn } = await applyTurn(
      deps,
      found,
      line.text === '' ? [] : [answerOf(line)],
      // What Aurora says is said by this TwiML: a take or a move into the conference that lands
      // meanwhile drops it, and the transcript must not have it as said. A goodbye cut off by a
      // move is not announced there: the call goes on in the conference.
      {
        finishTurn: true,
        quiet: true,
        ...(said && !deadlineAnswered
          ? { reply: true, saidByTwiml: true, endsCall: step === 'close' }
          : {}),
      },
    );
    // Taken meanwhile: the supervisor answers now, and Aurora neither speaks nor hangs up.
    if (holder) return listenOnly(next(silent));
    // A listener's join moved the caller into the conference meanwhile: asking again, or saying
    // she is still there, is announced there. A goodbye is not, and the call is not ended even if
    // the move fails after all: the transcript's "Not spoken" stays true either way.
    if (movedIn && said) {
      if (step === 'close') return listenOnly(next(silent));
      await announceMovedReply(deps, found.callId, movedIn, said);
    }
  }
  if (step === 'close')
    return speakAndHangUp(
      said!,
      voiceFor({ language: callLanguage, speech: deps.settings.speech }),
    );
  return said ? speakAndListen(said, next(silent)) : listenOnly(next(silent));
}

/**
 * Opens the turn, trying again when the database fails for a moment: one failed transaction
 * must not lose the caller's words. 'unreachable' when every attempt failed.
 */
async function openWithRetry(
  deps: Deps,
  turn: Turn,
  settle: Settle | undefined,
): Promise<Found | null | 'unreachable'> {
  // One token for every attempt: an attempt that timed out but committed is this turn's, not a replay.
  const token = randomBytes(6).toString('hex');
  try {
    return await retrying(() => openTurn(deps, turn, settle, token), {
      until: turn.deadline !== undefined ? turn.deadline - WRITE_RESERVE_MS : undefined,
      onRetry: (err, attempt) =>
        deps.log.warn('could not begin the turn: trying again', {
          callSid: turn.callSid,
          attempt,
          error: String(err),
        }),
    });
  } catch (err) {
    deps.log.error('could not begin the turn on the live call', {
      callSid: turn.callSid,
      error: String(err),
    });
    return 'unreachable';
  }
}

/**
 * Finds the turn's call and sets its turn marker in one transaction, which refuses once the
 * call is being purged; the caller's words raise the call's urgency in the same write
 * (`floor`), whoever holds the call. Only a turn that set the marker records on the call; the
 * purge waits for the marker, so nothing a turn writes can land after the call's records are
 * deleted. The call named in the action URL costs no index read; a name that is not this
 * CallSid's call is ignored.
 */
async function openTurn(
  deps: Deps,
  turn: Turn,
  settle?: Settle,
  token: string = randomBytes(6).toString('hex'),
): Promise<Found | null> {
  const callId = turn.callHint ?? (await deps.live.get(paths.callSid(turn.callSid)));
  if (typeof callId !== 'string') return null;
  const nowIso = siteIso(deps.clock(), deps.settings.timeZone);
  const key = turnKey(turn);
  let seen: LiveCall | null = null;
  const result = await deps.live.transact(paths.call(callId), (current) => {
    seen = null;
    if (current === null) return null; // gone, or not yet known: the server decides
    const parsed = LiveCall.safeParse(current);
    if (!parsed.success || parsed.data.call_sid !== turn.callSid) return undefined;
    seen = parsed.data;
    if (
      parsed.data.purging ||
      (key && parsed.data.answered?.[key] && parsed.data.answered[key] !== token)
    )
      return undefined;
    const answered = key ? { answered: { ...parsed.data.answered, [key]: token } } : {};
    // An earlier attempt of this request committed (only its reply was slow): its words were
    // settled then, and settling them again would take "a later utterance" for confirmation.
    const settledBefore = !!key && parsed.data.answered?.[key] === token;
    const next: Record<string, unknown> = {
      ...(current as object),
      turn_started_at: nowIso,
      last_message_at: nowIso,
      ...(settle && !settledBefore ? settle(parsed.data, nowIso) : {}),
      ...answered,
    };
    for (const [field, value] of Object.entries(next)) if (value === null) delete next[field];
    seen = LiveCall.parse(next);
    return next;
  });
  const call = seen as LiveCall | null;
  if (!call)
    return turn.callHint && result.value !== null
      ? openTurn(deps, { ...turn, callHint: undefined }, settle, token)
      : null;
  const replay = !!key && !!call.answered?.[key] && call.answered[key] !== token;
  if (replay)
    deps.log.warn('replayed turn: answered again, recorded nothing', { callSid: turn.callSid });
  return { callId, call, began: result.committed && !call.purging && !replay, replay };
}

/**
 * A turn whose words a first attempt already wrote without opening it (recordUnopened marks the
 * Gather answered on the conversation): Twilio's retry is a replay, answered again and recorded
 * nothing; the marker this attempt set is cleared.
 */
async function answeredUnopened(
  deps: Deps,
  turn: Turn,
  history: Promise<LiveConversation | null> | null,
  found: Found | null,
): Promise<Found | null> {
  const key = turnKey(turn);
  if (!found?.began || !key || !history || !(await history)?.answered?.[key]) return found;
  deps.log.warn(
    'replayed turn whose words were recorded before it could be opened: recorded nothing',
    { callSid: turn.callSid },
  );
  await applyTurn(deps, found, [], { finishTurn: true });
  return { ...found, began: false, replay: true };
}

/** The call a CallSid was recorded as, live or archived (its index stays a day as a tombstone). */
async function tombstoneOf(deps: Deps, callSid: string): Promise<string | undefined> {
  const callId = await deps.live.get(paths.callSid(callSid)).catch(() => null);
  return typeof callId === 'string' ? callId : undefined;
}

/**
 * A turn on a call whose start was never recorded (the action URL names no call, and its
 * CallSid is unknown, not even as an archived call's tombstone): the call is recorded now,
 * with the greeting the caller heard, and the turn goes on as on any live call.
 */
async function openLate(deps: Deps, turn: Turn, settle?: Settle): Promise<Found | null> {
  if (turn.callHint || !turn.from) return null;
  try {
    // Known after all (the reads that opened the turn failed, then the index was read): the turn opens on that call.
    const callId =
      (await retrying(() =>
        recordLate(deps, { callSid: turn.callSid, from: turn.from! }, deps.clock()),
      )) ?? (await tombstoneOf(deps, turn.callSid));
    // Recorded now, the call must take these words: opening it is tried again like any turn's
    // (one refused transaction here used to drop them, the call being neither open nor archived).
    return callId
      ? await retrying(() => openTurn(deps, { ...turn, callHint: callId }, settle), {
          attempts: 6,
        })
      : null;
  } catch (err) {
    deps.log.error('could not record the call late', { callSid: turn.callSid, error: String(err) });
    return null;
  }
}

/**
 * Claims the turn for a request that could not open it, the way opening it would (the call's
 * `answered`), so that this request and Twilio's retry of it, which may open the turn meanwhile,
 * record the caller's words once between them: false when the other one has the turn. A claim
 * the database refuses too is taken as made: words written twice beat words lost.
 */
async function claimUnopened(
  deps: Deps,
  turn: Turn,
  callId: string,
  claim: string,
): Promise<boolean> {
  const key = turnKey(turn);
  if (!key) return true;
  let taken = false;
  try {
    await retrying(
      () =>
        deps.live.transact(paths.call(callId), (current) => {
          taken = false;
          if (current === null) return null; // gone, or not yet known: the server decides
          const answered = (current as LiveCall).answered ?? {};
          if (answered[key] && answered[key] !== claim) {
            taken = true;
            return undefined;
          }
          return { ...(current as object), answered: { ...answered, [key]: claim } };
        }),
      { attempts: 3 },
    );
  } catch (err) {
    deps.log.warn('could not claim the unopened turn: recording it anyway', {
      callId,
      error: String(err),
    });
    return true;
  }
  return !taken;
}

/**
 * The turn's words when the turn could not be opened (the database refused every attempt): they
 * are written straight to the call the action URL names, without the turn marker, and raise its
 * urgency. A purge that began meanwhile archives messages that land late (removeConversation),
 * and the sweeper archives a conversation whose call is gone, so nothing written here is lost.
 */
async function recordUnopened(
  deps: Deps,
  turn: Turn,
  callId: string,
  claim: string,
  messages: LiveMessage[],
  urgency: Urgency | undefined,
  /** With Aurora's reply: the key question it asks, which replaces any question still open (null: none). */
  asks?: Reply['question'] | null,
): Promise<void> {
  if (!(await claimUnopened(deps, turn, callId, claim))) {
    deps.log.warn('turn opened by a retry of this request: recorded there, not here', { callId });
    return;
  }
  const { timestamp, lines } = stampedLines(deps, messages);
  const conversationId = conversationIdOf(callId);
  const changes: Record<string, unknown> = Object.fromEntries(
    lines.map((line) => [paths.message(conversationId, line.key), unkeyed(line)]),
  );
  // The Gather is marked answered beside its words, so Twilio's retry of this request records them only once.
  const key = turnKey(turn);
  if (key) changes[`${paths.conversation(conversationId)}/answered/${key}`] = true;
  let written = false;
  try {
    // The database has just refused this turn several times: these writes keep trying for a few seconds more.
    await retrying(() => deps.live.update(changes), { attempts: 6 });
    written = true;
    const raises = (call: LiveCall) =>
      !!urgency && raiseUrgency(call.urgency, urgency) !== call.urgency;
    // The caller heard this reply's question, not the one still open: the next words answer it.
    const reasks = (call: LiveCall) => asks !== undefined && (!!asks || !!call.question);
    if ((urgency && urgency !== 'NORMAL') || asks !== undefined) {
      await retrying(
        () =>
          changeCall(deps.live, callId, (call) =>
            call.purging || (!raises(call) && !reasks(call))
              ? undefined
              : {
                  ...(raises(call) ? { urgency } : {}),
                  ...(reasks(call)
                    ? { question: asks ? { ...asks, asked_at: timestamp } : null }
                    : {}),
                },
          ),
        { attempts: 6 },
      );
    }
    deps.log.warn('turn recorded without its marker: the turn could not be opened', { callId });
  } catch (err) {
    deps.log.error(
      written ? "the turn's urgency could not be raised" : 'turn could not be recorded at all',
      { callId, error: String(err) },
    );
    // The words are written later, under the same keys (steps/wordsLater.ts), with the urgency they
    // call for: the raise above never ran, or the database refused it too ("he's not breathing"
    // must not leave the call NORMAL). Lines already written are found there and not doubled. The
    // Gather's mark is not carried: the claim on the call (claimUnopened) makes Twilio's retry a replay.
    const raise = urgency && urgency !== 'NORMAL' ? { urgency } : {};
    if (!written || raise.urgency)
      await recordWordsLater(
        deps,
        { callId, callSid: turn.callSid, lines, ...raise },
        written ? 'unopened turn urgency raise failed' : 'unopened turn write failed',
      );
  }
}

/**
 * A turn's messages stamped now, each under the message key it is written under: a line queued
 * for later (steps/wordsLater.ts) keeps its key, so a replay lands on itself.
 */
function stampedLines(
  deps: Deps,
  messages: LiveMessage[],
): { timestamp: string; lines: KeyedLine[] } {
  const now = deps.clock();
  const timestamp = siteIso(now, deps.settings.timeZone);
  const lines = messages.map((m) => ({ ...m, timestamp, key: deps.messageKey(now.getTime()) }));
  return { timestamp, lines };
}

/**
 * A turn for a call already archived and purged: Twilio's request for the caller's last words
 * arrived after the status callback had ended the call. They go straight onto the end of the
 * archived transcript.
 */
async function recordLateTurn(
  deps: Deps,
  turn: Turn,
  callId: string,
  messages: LiveMessage[],
  urgency: Urgency | undefined,
): Promise<void> {
  const { lines } = stampedLines(deps, messages);
  try {
    const appended = await withDeadline(
      deps.archive.appendMessages(callId, turn.callSid, lines.map(unkeyed), turnKey(turn), urgency),
      deps.settings.archiveDeadlineMs,
      'late turn append',
    );
    if (appended) deps.log.warn('late turn appended to the archived call', { callId });
    else deps.log.error('late turn for a call that is neither live nor archived', { callId });
    // The call has left the live list: an emergency in its last words reaches the supervisors directly.
    if (appended && urgency === 'CRITICAL') await alertLateEmergency(deps, callId, turn.from);
  } catch (err) {
    deps.log.error('late turn could not be archived', { callId, error: String(err) });
    // Written later (steps/wordsLater.ts), under the turn's key: an append that did land after all,
    // or Twilio's retry of this request, is not doubled. The urgency goes with them: the archive's
    // is raised when they are appended.
    const key = turnKey(turn);
    await recordWordsLater(
      deps,
      {
        callId,
        callSid: turn.callSid,
        lines,
        ...(key ? { turn: key } : {}),
        ...(urgency && urgency !== 'NORMAL' ? { urgency } : {}),
      },
      'late turn append failed',
    );
    // The emergency does not wait for the archive (Cloud Tasks may retry for hours): the alert goes
    // out now, through the live database, which may be up while the archive is not.
    if (urgency === 'CRITICAL') await alertLateEmergency(deps, callId, turn.from);
  }
}

/** The reply with its own key question replaced by the call's open one (or none). */
function askingOpenQuestion(
  reply: Reply,
  open: LiveCall['question'],
  procedures: Procedure[],
  language: Language,
): Reply {
  const own = reply.question ? askedQuestion(reply.question, procedures) : null;
  const asked = open ? askedQuestion(open, procedures) : null;
  const text = own ? reply.text.replace(questionIn(own.question, language), '').trim() : reply.text;
  return {
    ...reply,
    text: asked ? `${text} ${questionIn(asked.question, language)}` : text,
    question: open ? { procedure: open.procedure, id: open.id } : undefined,
  };
}
