import { offlineReply } from '../core/offlineResponder';
import { paths } from '../core/paths';
import type { Reply } from '../core/responder';
import type { LiveCall, LiveMessage, Role } from '../core/schema';
import { siteIso } from '../core/time';
import { LINES, MAX_SILENT_TURNS, listenOnly, speakAndHangUp, speakAndListen, turnUrl } from '../core/twiml';
import { raiseUrgency } from '../core/urgency';
import type { Deps, Timings } from './deps';
import { findCallBySid } from './liveCalls';

export type Turn = {
  callSid: string;
  speech: string;
  silentTurns: number;
  /** The call id from the action URL, when Aurora put one there. */
  callHint?: string;
};

type Found = { callId: string; call: LiveCall };

/**
 * One caller turn: records the caller's words and Aurora's reply, raises urgency, and answers
 * with TwiML. The caller always gets an answer: a failed write is logged, a failed responder
 * falls back to the offline one, an unknown call is answered without recording anything.
 */
export async function takeTurn(turn: Turn, deps: Deps, timings: Timings = {}): Promise<string> {
  const { settings, log } = deps;
  const found = await findCallBySid(deps.live, turn.callSid, log, turn.callHint).catch((err: unknown) => {
    log.error('live call lookup failed', { error: String(err) });
    return null;
  });
  if (!found) log.warn('turn for an unknown call: answering without recording', { callSid: turn.callSid });
  const utterance = turn.speech.trim();
  const next = (silent = 0) => turnUrl(settings.publicBaseUrl, { call: found?.callId, silent });

  if (utterance === '') {
    const silent = turn.silentTurns + 1;
    const line = silent >= MAX_SILENT_TURNS ? LINES.closing : LINES.reprompt;
    await record(deps, found, [['assistant', line, '']], { finishTurn: false });
    return silent >= MAX_SILENT_TURNS
      ? speakAndHangUp(line)
      : speakAndListen(line, next(silent));
  }

  if (found?.call.mode === 'human') {
    await record(deps, found, [['user', utterance, '']], { finishTurn: false });
    return listenOnly(next());
  }

  // The caller's words are written while the responder thinks. The reply's write need not wait
  // for that one: writes from one client reach the database in the order they were sent.
  const started = record(deps, found, [['user', utterance, '']], { finishTurn: false, startTurn: true });
  const thinking = performance.now();
  const reply = await respond(deps, utterance, found);
  timings.responder = performance.now() - thinking;
  const finished = record(deps, found, [['assistant', reply.text, reply.sources.join('; ')]], {
    finishTurn: true,
    urgency: reply.urgency,
  });
  await Promise.all([started, finished]);
  return speakAndListen(reply.text, next());
}

async function respond(deps: Deps, utterance: string, found: Found | null): Promise<Reply> {
  try {
    return await deps.responder.respond({ utterance, caller: { workerId: found?.call.worker_id ?? 'unknown' } });
  } catch (err) {
    deps.log.error('responder failed: using the offline responder', { error: String(err) });
    return offlineReply(utterance);
  }
}

type RecordOptions = { finishTurn: boolean; startTurn?: boolean; urgency?: Reply['urgency'] };

/** One multi-path write: the messages plus the call's last_message_at, urgency and turn marker. */
async function record(
  deps: Deps,
  found: Found | null,
  messages: Array<[Role, string, string]>,
  options: RecordOptions,
): Promise<void> {
  if (!found) return;
  const { callId, call } = found;
  const now = deps.clock();
  const nowIso = siteIso(now, deps.settings.timeZone);
  const callPath = paths.call(callId);
  const changes: Record<string, unknown> = { [`${callPath}/last_message_at`]: nowIso };
  for (const [role, content, sources] of messages) {
    const message: LiveMessage = { role, content, timestamp: nowIso, sources };
    changes[paths.message(call.conversation_id, deps.messageKey(now.getTime()))] = message;
  }
  if (options.startTurn) changes[`${callPath}/turn_started_at`] = nowIso;
  if (options.finishTurn) changes[`${callPath}/turn_started_at`] = null;
  if (options.urgency) changes[`${callPath}/urgency`] = raiseUrgency(call.urgency, options.urgency);
  try {
    await deps.live.update(changes);
  } catch (err) {
    deps.log.error('turn write failed', { callId, error: String(err) });
  }
}
