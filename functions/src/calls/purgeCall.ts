import { missingFromArchive } from '../core/archiveDocs';
import { AuroraError, withDeadline } from '../core/errors';
import { paths } from '../core/paths';
import { orderedMessages } from '../core/schema';
import type { CallTask, Deps } from './deps';
import { enqueueArchive } from './endCall';
import { readCall, readConversation } from './liveCalls';

/** Longest a caller turn can run: Twilio abandons a webhook after 15 s. */
export const TURN_GRACE_MS = 20_000;

export const rearchiveTaskId = (callId: string, messages: number) => `archive-${callId}-m${messages}`;

export type PurgeOutcome =
  | { kind: 'purged' | 'gone' | 'not-ended' | 'turn-in-flight' }
  | { kind: 'archive-incomplete'; liveMessages: number };

/**
 * Deletes a call's live records, but only once Firestore holds every one of its messages and
 * no caller turn is still being answered (its reply would land after the purge). Otherwise it
 * says why not and changes nothing.
 */
export async function purgeIfArchived(callId: string, deps: Deps): Promise<PurgeOutcome> {
  const { live, log } = deps;
  const call = await readCall(live, callId, log);
  if (!call) return { kind: 'gone' };
  if (call.status !== 'ENDED') {
    log.warn('refusing to purge a call that has not ended', { callId });
    return { kind: 'not-ended' };
  }
  const turnAge = call.turn_started_at ? deps.clock().getTime() - Date.parse(call.turn_started_at) : Infinity;
  if (turnAge < TURN_GRACE_MS) return { kind: 'turn-in-flight' };

  const liveMessages = orderedMessages(await readConversation(live, call.conversation_id));
  const archived = await withDeadline(deps.archive.readMessages(call.conversation_id), deps.settings.archiveDeadlineMs, 'archive read');
  const missing = missingFromArchive(liveMessages, archived ?? []);
  if (archived === null || missing.length > 0) {
    log.warn('archive is not whole yet', { callId, missing: missing.length });
    return { kind: 'archive-incomplete', liveMessages: liveMessages.length };
  }
  await live.update({
    [paths.call(callId)]: null,
    [paths.conversation(call.conversation_id)]: null,
    [paths.callSid(call.call_sid)]: null,
  });
  log.info('live call purged', { callId, messages: liveMessages.length });
  return { kind: 'purged' };
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
