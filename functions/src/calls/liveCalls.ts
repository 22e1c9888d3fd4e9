import { paths } from '../core/paths';
import { LiveCall, LiveConversation } from '../core/schema';
import type { LiveDb, Log } from './deps';

/**
 * The live call behind a Twilio CallSid, or null when there is none (or it is unreadable).
 * With a `hint` (the call id from a signed action URL) it costs one read instead of two; a hint
 * naming another CallSid's call is ignored.
 */
export async function findCallBySid(
  live: LiveDb,
  callSid: string,
  log: Log,
  hint?: string,
): Promise<{ callId: string; call: LiveCall } | null> {
  if (hint) {
    const call = await readCall(live, hint, log);
    if (call?.call_sid === callSid) return { callId: hint, call };
  }
  const callId = await live.get(paths.callSid(callSid));
  if (typeof callId !== 'string') return null;
  const call = await readCall(live, callId, log);
  return call ? { callId, call } : null;
}

export async function readCall(live: LiveDb, callId: string, log: Log): Promise<LiveCall | null> {
  const raw = await live.get(paths.call(callId));
  if (raw === null || raw === undefined) return null;
  const parsed = LiveCall.safeParse(raw);
  if (!parsed.success) {
    log.error('live call does not match the schema', { callId, issues: parsed.error.issues.slice(0, 5) });
    return null;
  }
  return parsed.data;
}

export async function readConversation(live: LiveDb, conversationId: string): Promise<LiveConversation | null> {
  const raw = await live.get(paths.conversation(conversationId));
  return raw ? LiveConversation.parse(raw) : null;
}
