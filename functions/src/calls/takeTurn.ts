import { offlineReply } from '../assistant/offlineResponder';
import type { Procedure } from '../assistant/procedures';
import type { Caller, Reply, ResponderInput } from '../assistant/responder';
import { withDeadline } from '../core/errors';
import { paths } from '../core/paths';
import { orderedMessages, type LiveCall, type LiveMessage, type Role } from '../core/schema';
import { siteIso } from '../core/time';
import { LINES, MAX_SILENT_TURNS, listenOnly, speakAndHangUp, speakAndListen } from '../core/twiml';
import { raiseUrgency } from '../core/urgency';
import type { Deps, Timings } from './deps';
import { listening, proceduresOrNone } from './listening';
import { findCallBySid, readConversation } from './liveCalls';

export type Turn = {
  callSid: string;
  speech: string;
  silentTurns: number;
  /** The call id from the action URL, when Aurora put one there. */
  callHint?: string;
  /** The Gather this speech answers; its partial results are closed by this turn. */
  gather?: string;
};

type Found = { callId: string; call: LiveCall };

/**
 * One caller turn: records the caller's words and Aurora's reply, raises urgency, and answers
 * with TwiML. The caller always gets an answer: a failed write is logged, a failed responder
 * falls back to the offline one, an unknown call is answered without recording anything.
 */
export async function takeTurn(turn: Turn, deps: Deps, timings: Timings = {}): Promise<string> {
  const { log } = deps;
  const [found, procedures] = await Promise.all([
    findCallBySid(deps.live, turn.callSid, log, turn.callHint).catch((err: unknown) => {
      log.error('live call lookup failed', { error: String(err) });
      return null;
    }),
    proceduresOrNone(deps),
  ]);
  if (!found) log.warn('turn for an unknown call: answering without recording', { callSid: turn.callSid });
  const utterance = turn.speech.trim();
  const next = (silent = 0) => listening(deps, procedures, { call: found?.callId ?? turn.callHint, silent });

  if (utterance === '') {
    const silent = turn.silentTurns + 1;
    const line = silent >= MAX_SILENT_TURNS ? LINES.closing : LINES.reprompt;
    await record(deps, found, [['assistant', line, '']], {});
    return silent >= MAX_SILENT_TURNS ? speakAndHangUp(line) : speakAndListen(line, next(silent));
  }

  const closePartial = turn.gather ? { gather: turn.gather } : undefined;
  if (found?.call.mode === 'human') {
    await record(deps, found, [['user', utterance, '']], { closePartial });
    return listenOnly(next());
  }

  // The caller's words are written while the context is read and the responder thinks. The
  // reply's write need not wait for that one: writes from one client arrive in the order sent.
  const started = record(deps, found, [['user', utterance, '']], { startTurn: true, closePartial });
  const input = await responderInput(deps, found, utterance, procedures);
  const thinking = performance.now();
  const reply = await respond(deps, input);
  timings.responder = performance.now() - thinking;
  const finished = record(deps, found, [['assistant', reply.text, reply.sources.join('; '), reply.fallback]], {
    finishTurn: true,
    urgency: reply.urgency,
    handoff: reply.handoff,
  });
  await Promise.all([started, finished]);
  if (!found && turn.callHint) await recordLateTurn(deps, turn, turn.callHint, reply);
  return speakAndListen(reply.text, next());
}

/**
 * A turn for a call already archived and purged: Twilio's request for the caller's last words
 * arrived after the status callback had ended the call. The words and the reply go straight
 * onto the end of the archived transcript.
 */
async function recordLateTurn(deps: Deps, turn: Turn, callId: string, reply: Reply): Promise<void> {
  const timestamp = siteIso(deps.clock(), deps.settings.timeZone);
  const messages: LiveMessage[] = [
    { role: 'user', content: turn.speech.trim(), timestamp, sources: '' },
    { role: 'assistant', content: reply.text, timestamp, sources: reply.sources.join('; '), ...(reply.fallback ? { fallback: reply.fallback } : {}) },
  ];
  try {
    const appended = await withDeadline(deps.archive.appendMessages(callId, turn.callSid, messages), deps.settings.archiveDeadlineMs, 'late turn append');
    if (appended) deps.log.warn('late turn appended to the archived call', { callId });
    else deps.log.error('late turn for a call that is neither live nor archived', { callId });
  } catch (err) {
    deps.log.error('late turn could not be archived', { callId, error: String(err) });
  }
}

/** The earlier turns and who is calling; neither may keep the caller waiting on a failure. */
async function responderInput(deps: Deps, found: Found | null, utterance: string, procedures: Procedure[]): Promise<ResponderInput> {
  const unknown: Caller = { workerId: found?.call.worker_id ?? 'unknown' };
  if (!found) return { utterance, caller: unknown, history: [], procedures };
  const [conversation, caller] = await Promise.all([
    readConversation(deps.live, found.call.conversation_id).catch(() => null),
    found.call.worker_id === 'unknown' ? null : deps.workers.findByPhone(found.call.mobile_no).catch(() => null),
  ]);
  // The history read may already hold this turn's words; the responder gets them as the utterance.
  const history = orderedMessages(conversation)
    .filter((m, i, all) => !(i === all.length - 1 && m.role === 'user' && m.content === utterance))
    .map(({ role, content }) => ({ role, content }));
  return { utterance, caller: caller ?? unknown, history, procedures };
}

async function respond(deps: Deps, input: ResponderInput): Promise<Reply> {
  try {
    return await deps.responder.respond(input);
  } catch (err) {
    deps.log.error('responder failed: using the offline responder', { error: String(err) });
    return { ...offlineReply(input.utterance, input.procedures), fallback: 'offline' };
  }
}

type RecordOptions = {
  startTurn?: boolean;
  finishTurn?: boolean;
  urgency?: Reply['urgency'];
  /** The responder asks for a human: flagged on the call for the supervisors. */
  handoff?: boolean;
  /** Marks the Gather's partial speech as closed: its final words are now a message. */
  closePartial?: { gather: string };
};

/** One multi-path write: the messages plus the call's last_message_at, urgency and turn marker. */
async function record(
  deps: Deps,
  found: Found | null,
  messages: Array<[Role, string, string, string?]>,
  options: RecordOptions,
): Promise<void> {
  if (!found) return;
  const { callId, call } = found;
  const now = deps.clock();
  const nowIso = siteIso(now, deps.settings.timeZone);
  const callPath = paths.call(callId);
  const changes: Record<string, unknown> = { [`${callPath}/last_message_at`]: nowIso };
  for (const [role, content, sources, fallback] of messages) {
    const message: LiveMessage = { role, content, timestamp: nowIso, sources, ...(fallback ? { fallback } : {}) };
    changes[paths.message(call.conversation_id, deps.messageKey(now.getTime()))] = message;
  }
  if (options.startTurn) changes[`${callPath}/turn_started_at`] = nowIso;
  if (options.finishTurn) changes[`${callPath}/turn_started_at`] = null;
  if (options.urgency) changes[`${callPath}/urgency`] = raiseUrgency(call.urgency, options.urgency);
  if (options.handoff) changes[`${callPath}/handoff_requested`] = true;
  if (options.closePartial) changes[paths.partial(call.conversation_id)] = { gather: options.closePartial.gather, closed: true };
  try {
    await deps.live.update(changes);
  } catch (err) {
    deps.log.error('turn write failed', { callId, error: String(err) });
  }
}
