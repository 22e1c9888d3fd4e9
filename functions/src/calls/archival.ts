/**
 * Archival: moving an ENDED call from the Realtime Database to Firestore (archiveCall),
 * deleting its live records once the archive is verified (purgeIfArchived, and the purgeCall
 * queue that retries it), under the task ids of @aurora/model/tasks. Enqueueing archival, which
 * other use cases do too, is a step (steps/archiving.ts).
 */
import { QUEUES, taskIds } from '@aurora/model/tasks';
import { missingFromArchive, planArchive } from '../core/archiveDocs';
import { turnInFlight } from '../core/callState';
import { AuroraError, withDeadline } from '../core/errors';
import { keyOrder } from '../core/ids';
import {
  awaitsAcknowledgement,
  type LiveCall,
  type LiveMessage,
  orderedMessages,
  paths,
  salvageConversation,
} from '@aurora/model';
import type { CallTask, Deps } from '../ports';
import { enqueueArchive } from '../steps/archiving';
import { readCall, readConversation } from '../steps/liveCalls';

/**
 * Archive queue: copies an ENDED call and its transcript from the Realtime Database to Firestore
 * in one atomic batch, then purges the live records once the archive is verified whole. When
 * the purge must wait (a turn in flight, a message that landed mid-archive), the purge queue
 * takes over and retries. Safe to repeat: an archive already holding every message is left as is.
 */
export async function archiveCall({ callId }: CallTask, deps: Deps): Promise<string> {
  const { live, log } = deps;
  const call = await readCall(live, callId, log);
  if (!call) {
    log.info('nothing live to archive (already purged, or never existed)', { callId });
    return 'missing';
  }
  if (call.status !== 'ENDED') {
    log.warn('refusing to archive a call that has not ended', { callId });
    return 'not-ended';
  }
  // A purge cut short has already removed what it verified as archived: the archive is whole, and
  // planning it again from what is left would write a transcript with those messages missing.
  if (call.purging) {
    const resumed = await purgeIfArchived(callId, deps);
    log.warn('resumed a purge that was cut short', { callId, outcome: resumed.kind });
    return 'unchanged';
  }
  const conversation = await readConversation(live, call.conversation_id, log);
  const plan = planArchive(callId, call, conversation);
  const outcome = await withDeadline(
    deps.archive.write(plan),
    deps.settings.archiveDeadlineMs,
    'archive write',
  );
  const total = plan.conversation.total_messages;
  log.info('call archived', { callId, outcome, messages: total });

  // Purging here saves a queue hop (and a cold start) on the common path.
  const purge = await purgeIfArchived(callId, deps);
  // Acknowledging the call archives it again and purges it (controlCall's 'ack').
  if (purge.kind === 'purged' || purge.kind === 'gone' || purge.kind === 'awaiting-acknowledgement')
    return outcome;
  const id = taskIds.purge(callId, total);
  if ((await deps.queue.enqueue(QUEUES.purge, { callId }, id)) === 'duplicate') {
    log.info('purge already queued', { callId, taskId: id });
  }
  return outcome;
}

export type PurgeOutcome =
  | { kind: 'purged' | 'gone' | 'not-ended' | 'turn-in-flight' | 'awaiting-acknowledgement' }
  | { kind: 'archive-incomplete'; liveMessages: number };

/**
 * Deletes a call's live records, but only once Firestore holds every one of its messages and
 * no caller turn is still being answered. Otherwise it says why not and changes nothing.
 *
 * Turns write only while their marker is set, and set it with a transaction that fails once
 * the call is being purged. So the call is first marked `purging`, in a transaction that
 * refuses while a turn is in flight; then the conversation goes, compared key by key with
 * what was verified, so a turn that slipped in after the verification is archived, not lost;
 * then the call. A purge cut short resumes from the mark.
 */
export async function purgeIfArchived(callId: string, deps: Deps): Promise<PurgeOutcome> {
  const { live, log } = deps;
  const call = await readCall(live, callId, log);
  if (!call) return { kind: 'gone' };
  if (call.status !== 'ENDED') {
    log.warn('refusing to purge a call that has not ended', { callId });
    return { kind: 'not-ended' };
  }
  if (turnInFlight(call, deps.clock().getTime())) return { kind: 'turn-in-flight' };
  // An ended CRITICAL call nobody acknowledged stays live: in the alarm, and escalating, until
  // someone has seen it. The caller who went quiet or dropped may be the one who needs help most.
  if (awaitsAcknowledgement(call)) return { kind: 'awaiting-acknowledgement' };

  const conversation = await readConversation(live, call.conversation_id);
  const liveMessages = orderedMessages(conversation);
  const archived = await withDeadline(
    deps.archive.readMessages(call.conversation_id),
    deps.settings.archiveDeadlineMs,
    'archive read',
  );
  const missing = missingFromArchive(liveMessages, archived ?? []);
  if (archived === null || missing.length > 0) {
    log.warn('archive is not whole yet', { callId, missing: missing.length });
    return { kind: 'archive-incomplete', liveMessages: liveMessages.length };
  }

  let waiting = false;
  const marked = await live.transact(paths.call(callId), (current) => {
    if (current === null) return null; // gone, or not yet known: the server decides
    waiting = awaitsAcknowledgement(current as LiveCall);
    return turnInFlight(current as LiveCall, deps.clock().getTime()) || waiting
      ? undefined
      : { ...(current as object), purging: true };
  });
  if (!marked.committed) return { kind: waiting ? 'awaiting-acknowledgement' : 'turn-in-flight' };
  if (marked.value === null) return { kind: 'gone' };
  const late = await removeConversation(
    deps,
    callId,
    call,
    new Set(Object.keys(conversation?.messages ?? {})),
  );
  // The CallSid index stays as the call's tombstone (the sweeper drops it with the call id's
  // reservation, after a day): a replayed incoming-call webhook finds it and creates nothing.
  await live.update({ [paths.call(callId)]: null });
  log.info('live call purged', { callId, messages: liveMessages.length + late });
  return { kind: 'purged' };
}

/**
 * Deletes the conversation if it holds only the verified messages; messages that arrived since
 * are appended to the archive first. Returns how many were.
 */
async function removeConversation(
  deps: Deps,
  callId: string,
  call: LiveCall,
  verified: Set<string>,
): Promise<number> {
  let appended = 0;
  for (let attempt = 0; attempt < 5; attempt++) {
    let arrived: Array<[string, LiveMessage]> = [];
    const { committed: deleted } = await deps.live.transact(
      paths.conversation(call.conversation_id),
      (current) => {
        const messages =
          current === null ? {} : salvageConversation(current, callId).conversation.messages;
        arrived = Object.entries(messages)
          .filter(([key]) => !verified.has(key))
          .sort(([a], [b]) => keyOrder(a, b)); // the order they were written in
        return arrived.length === 0 ? null : undefined;
      },
    );
    if (deleted) return appended;
    const archivedLate = await withDeadline(
      deps.archive.appendMessages(
        callId,
        call.call_sid,
        arrived.map(([, m]) => m),
      ),
      deps.settings.archiveDeadlineMs,
      'archive append',
    );
    if (!archivedLate)
      throw new AuroraError(`no archive to add late messages to for ${callId}`, {
        retryable: true,
      });
    for (const [key] of arrived) verified.add(key);
    appended += arrived.length;
  }
  throw new AuroraError(`messages keep arriving on purged call ${callId}`, { retryable: true });
}

/**
 * Purge queue: the retry path for purges the archive task could not finish. A turn still in
 * flight makes it retry later (backoff); a message the archive lacks (written after archival
 * began) sends the call back to the archive queue.
 */
export async function purgeCall({ callId }: CallTask, deps: Deps): Promise<string> {
  const outcome = await purgeIfArchived(callId, deps);
  if (outcome.kind === 'turn-in-flight') {
    throw new AuroraError(`a caller turn is still being answered on ${callId}`, {
      retryable: true,
    });
  }
  if (outcome.kind === 'archive-incomplete') {
    await enqueueArchive(deps, callId, taskIds.rearchive(callId, outcome.liveMessages));
    return 'rearchive';
  }
  return outcome.kind;
}
