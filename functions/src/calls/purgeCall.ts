import { missingFromArchive } from '../core/archiveDocs';
import { turnInFlight } from '../core/callState';
import { AuroraError, withDeadline } from '../core/errors';
import { paths } from '../core/paths';
import { LiveConversation, orderedMessages, type LiveCall, type LiveMessage } from '../core/schema';
import type { CallTask, Deps } from './deps';
import { enqueueArchive } from './endCall';
import { readCall, readConversation } from './liveCalls';

export const rearchiveTaskId = (callId: string, messages: number) => `archive-${callId}-m${messages}`;

export type PurgeOutcome =
  | { kind: 'purged' | 'gone' | 'not-ended' | 'turn-in-flight' }
  | { kind: 'archive-incomplete'; liveMessages: number };

/**
 * Deletes a call's live records, but only once Firestore holds every one of its messages and
 * no caller turn is still being answered. Otherwise it says why not and changes nothing.
 *
 * Turns write only while their marker is set, and set it with a transaction that fails once
 * the call is being purged. So the call is first marked `purging`, in a transaction that
 * refuses while a turn is in flight; then the conversation goes, compared key by key with
 * what was verified, so a turn that slipped in after the verification is archived, not lost;
 * then the call and its index. A purge cut short resumes from the mark.
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

  const conversation = await readConversation(live, call.conversation_id);
  const liveMessages = orderedMessages(conversation);
  const archived = await withDeadline(deps.archive.readMessages(call.conversation_id), deps.settings.archiveDeadlineMs, 'archive read');
  const missing = missingFromArchive(liveMessages, archived ?? []);
  if (archived === null || missing.length > 0) {
    log.warn('archive is not whole yet', { callId, missing: missing.length });
    return { kind: 'archive-incomplete', liveMessages: liveMessages.length };
  }

  const marked = await live.transact(paths.call(callId), (current) => {
    if (current === null) return null; // gone, or not yet known: the server decides
    return turnInFlight(current as LiveCall, deps.clock().getTime()) ? undefined : { ...(current as object), purging: true };
  });
  if (!marked.committed) return { kind: 'turn-in-flight' };
  if (marked.value === null) return { kind: 'gone' };
  const late = await removeConversation(deps, callId, call, new Set(Object.keys(conversation?.messages ?? {})));
  await live.update({ [paths.call(callId)]: null, [paths.callSid(call.call_sid)]: null });
  log.info('live call purged', { callId, messages: liveMessages.length + late });
  return { kind: 'purged' };
}

/**
 * Deletes the conversation if it holds only the verified messages; messages that arrived since
 * are appended to the archive first. Returns how many were.
 */
async function removeConversation(deps: Deps, callId: string, call: LiveCall, verified: Set<string>): Promise<number> {
  let appended = 0;
  for (let attempt = 0; attempt < 5; attempt++) {
    let arrived: Array<[string, LiveMessage]> = [];
    const { committed: deleted } = await deps.live.transact(paths.conversation(call.conversation_id), (current) => {
      const parsed = LiveConversation.safeParse(current ?? { call_id: callId });
      const messages = parsed.success ? parsed.data.messages : {};
      arrived = Object.entries(messages).filter(([key]) => !verified.has(key)).sort(([a], [b]) => a.localeCompare(b));
      return arrived.length === 0 ? null : undefined;
    });
    if (deleted) return appended;
    const archivedLate = await withDeadline(
      deps.archive.appendMessages(callId, call.call_sid, arrived.map(([, m]) => m)),
      deps.settings.archiveDeadlineMs,
      'archive append',
    );
    if (!archivedLate) throw new AuroraError(`no archive to add late messages to for ${callId}`, { retryable: true });
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
    throw new AuroraError(`a caller turn is still being answered on ${callId}`, { retryable: true });
  }
  if (outcome.kind === 'archive-incomplete') {
    await enqueueArchive(deps, callId, rearchiveTaskId(callId, outcome.liveMessages));
    return 'rearchive';
  }
  return outcome.kind;
}
