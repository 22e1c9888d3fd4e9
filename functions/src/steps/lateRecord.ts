/**
 * Calls whose start could not be recorded. Greeting a caller while the database is slow is
 * right; never recording the call is not (seed 004: nothing a caller says is lost). The first
 * later webhook that can records the call, its index and its conversation with the greeting
 * the caller heard; the status callback archives it like any other. With the Realtime Database
 * down for the whole call, the status callback archives what it knows straight to Firestore.
 */
import { callbackArchiveIds } from '../core/ids';
import { maskPhone } from '../core/masking';
import { type LiveCall, paths, siteIso } from '@aurora/model';
import { planArchive } from '../core/archiveDocs';
import { withDeadline } from '../core/errors';
import type { Deps } from '../ports';
import { greetingFor, recordCall, UNKNOWN_WORKER, type IncomingCall } from './recordCall';

/**
 * Records the call of `incoming` if nothing was ever recorded for its CallSid (no index, not
 * even the tombstone of an archived call). Resolves the call id it recorded (or that a
 * concurrent webhook did), or null when the CallSid is already known or the caller unknown.
 */
export async function recordLate(
  deps: Deps,
  incoming: IncomingCall,
  startedAt: Date,
): Promise<string | null> {
  if ((await deps.live.get(paths.callSid(incoming.callSid))) !== null) return null;
  const caller = await deps.workers.findByPhone(incoming.from).catch(() => null);
  const callId = await recordCall(incoming, caller, deps, { startedAt });
  if (callId) return callId;
  const indexed = await deps.live.get(paths.callSid(incoming.callSid));
  return typeof indexed === 'string' ? indexed : null;
}

/**
 * The status callback of a call the Realtime Database never held and cannot hold now: the
 * archive gets what Twilio's callback says (number, start, duration, how it ended) and the
 * greeting the caller heard. Its id is made from the CallSid (callbackArchiveIds), since no
 * reservation can be made: a repeated callback writes the same archive, and the call's live record,
 * if it had one after all, replaces it when it is archived.
 */
export async function archiveFromCallback(
  deps: Deps,
  callback: { callSid: string; from: string; status: string; durationSeconds?: number },
): Promise<string> {
  const now = deps.clock();
  const startedAt = new Date(now.getTime() - (callback.durationSeconds ?? 0) * 1000);
  const { callId, conversationId } = callbackArchiveIds(callback.callSid, callback.from);
  const caller = await deps.workers.findByPhone(callback.from).catch(() => null);
  const startIso = siteIso(startedAt, deps.settings.timeZone);
  const call: LiveCall = {
    worker_id: caller?.workerId ?? UNKNOWN_WORKER,
    mobile_no: callback.from,
    conversation_id: conversationId,
    urgency: 'NORMAL',
    status: 'ENDED',
    timestamp: startIso,
    last_message_at: siteIso(now, deps.settings.timeZone),
    medium: 'Voice',
    call_sid: callback.callSid,
    mode: 'ai',
    ended_at: siteIso(now, deps.settings.timeZone),
    duration_seconds: callback.durationSeconds ?? 0,
    end_reason: callback.status,
    recorded_late: true,
  };
  const greeting = {
    role: 'assistant' as const,
    content: greetingFor(deps, caller),
    timestamp: startIso,
    sources: '',
  };
  const plan = planArchive(callId, call, { call_id: callId, messages: { greeting } });
  await withDeadline(deps.archive.write(plan), deps.settings.archiveDeadlineMs, 'archive write');
  deps.log.error('archived a call the live database never held, from its status callback', {
    callId,
    caller: maskPhone(callback.from),
  });
  return callId;
}
