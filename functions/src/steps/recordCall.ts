/**
 * Recording a call: its id's reservation, the live call, its CallSid index and its conversation
 * with the greeting the caller heard. A call starts this way (startCall), and a call whose start
 * could not be recorded is recorded later the same way (lateRecord.ts).
 */
import { callIds } from '../core/ids';
import { maskPhone } from '../core/masking';
import { languageOf, type LiveCall, type LiveMessage, paths, siteIso } from '@aurora/model';
import { LINES_IN } from '../core/twiml';
import type { Caller, Deps } from '../ports';
import { countUse, createIfAbsent } from './liveCalls';
import { retrying } from '../core/retry';
import { languageOrSite } from './listening';

export type IncomingCall = { callSid: string; from: string };

/** call_ids/{call_id}: who took the id, and when (ms), so the sweeper can let it go after a day. */
export type CallIdReservation = { call_sid: string; at: number };

/** Ids per number per second before giving up on uniqueness (a retry storm, not real calls). */
const MAX_ID_ATTEMPTS = 20;
export const UNKNOWN_WORKER = 'unknown';

/** The greeting a caller hears first: by name and in their language when the registry knows them, else in the site's. */
export const greetingFor = (deps: Deps, caller: Pick<Caller, 'name' | 'language'> | null): string =>
  LINES_IN[languageOrSite(deps, caller?.language)].greeting(caller?.name);

/**
 * Writes the call, its CallSid index and its conversation (with the greeting the caller heard);
 * the call id, or undefined if a retry of this webhook won. A call recorded late (its start
 * could not be) is marked so, and starts at `startedAt` when Twilio said how long it has lasted.
 */
export async function recordCall(
  incoming: IncomingCall,
  caller: Caller | null,
  deps: Deps,
  late?: { startedAt: Date },
): Promise<string | undefined> {
  const { live, settings, log } = deps;
  const now = late?.startedAt ?? deps.clock();
  const nowIso = siteIso(now, settings.timeZone);
  let ids = callIds(incoming.from, now, settings.timeZone);
  const call: Omit<LiveCall, 'conversation_id'> = {
    worker_id: caller?.workerId ?? UNKNOWN_WORKER,
    mobile_no: incoming.from,
    urgency: 'NORMAL',
    status: 'ACTIVE',
    timestamp: nowIso,
    last_message_at: nowIso,
    medium: 'Voice',
    call_sid: incoming.callSid,
    mode: 'ai',
    ...(late ? { recorded_late: true } : {}),
    ...(languageOf(caller?.language) ? { language: languageOf(caller?.language)! } : {}),
  };
  // Counted alongside the id's reservation: a number past its hourly ceiling is answered offline.
  const uses = countUse(
    live,
    `n${incoming.from.replace(/\D/g, '') || 'anonymous'}`,
    deps.clock(),
  ).catch(() => 0);
  // An id is reserved for good, not just while its call is live: a number that calls again in
  // the same second after its first call was archived must not get the archived call's id.
  // Each step is tried again, for a few seconds, when the database refuses it: a call node
  // written without its CallSid index was recorded a second time by the next webhook (two calls,
  // two archives). The greeting's deadline still answers the caller in time.
  const again = <T>(step: () => Promise<T>) =>
    retrying(step, {
      attempts: 6,
      onRetry: (err) => log.warn('recording the call: trying a step again', { error: String(err) }),
    });
  const sameCallSid = (stored: unknown) =>
    (stored as { call_sid?: unknown } | null)?.call_sid === incoming.callSid;
  for (let attempt = 1; ; attempt++) {
    ids = callIds(incoming.from, now, settings.timeZone, attempt);
    const reservation: CallIdReservation = { call_sid: incoming.callSid, at: now.getTime() };
    const path = paths.callIdReservation(ids.callId);
    if (await again(() => createIfAbsent(live, path, reservation, sameCallSid))) break;
    if (attempt >= MAX_ID_ATTEMPTS)
      throw new Error(`no free call id for ${maskPhone(incoming.from)}`);
  }
  const offline = (await uses) > settings.limits.modelCallsPerNumberPerHour;
  if (offline)
    log.warn('caller past the hourly model ceiling: answered offline', { callId: ids.callId });
  const record = {
    ...call,
    conversation_id: ids.conversationId,
    ...(offline ? { offline_only: true } : {}),
  };
  const created = await again(() =>
    createIfAbsent(live, paths.call(ids.callId), record, sameCallSid),
  );
  if (!created) throw new Error(`reserved call id ${ids.callId} is already live`);
  const indexed = await again(() =>
    createIfAbsent(
      live,
      paths.callSid(incoming.callSid),
      ids.callId,
      (stored) => stored === ids.callId,
    ),
  );
  if (!indexed) {
    // A concurrent retry of this same webhook won the index: keep its call, drop ours.
    await live.update({ [paths.call(ids.callId)]: null });
    return undefined;
  }
  const greetingMessage: LiveMessage = {
    role: 'assistant',
    content: greetingFor(deps, caller),
    timestamp: nowIso,
    sources: '',
  };
  // Path by path, never the whole node: a retried or late write must not wipe words a first turn already recorded.
  const greetingKey = deps.messageKey(now.getTime());
  await again(() =>
    live.update({
      [`${paths.conversation(ids.conversationId)}/call_id`]: ids.callId,
      [paths.message(ids.conversationId, greetingKey)]: greetingMessage,
    }),
  );
  if (late)
    log.warn('call recorded late: its start could not be recorded', {
      callId: ids.callId,
      caller: maskPhone(incoming.from),
    });
  else
    log.info('call started', {
      callId: ids.callId,
      caller: maskPhone(incoming.from),
      known: caller !== null,
    });
  return ids.callId;
}
