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

/**
 * Purge queue: deletes a call's live records, but only once Firestore holds every one of its
 * messages. A turn still in flight makes it retry later; a message the archive lacks (written
 * after archival began) sends the call back to the archive queue instead.
 */
export async function purgeCall({ callId }: CallTask, deps: Deps): Promise<string> {
  const { live, log } = deps;
  const call = await readCall(live, callId, log);
  if (!call) return 'gone';
  if (call.status !== 'ENDED') {
    log.warn('refusing to purge a call that has not ended', { callId });
    return 'not-ended';
  }
  const turnAge = call.turn_started_at ? deps.clock().getTime() - Date.parse(call.turn_started_at) : Infinity;
  if (turnAge < TURN_GRACE_MS) {
    throw new AuroraError(`a caller turn is still being answered on ${callId}`, { retryable: true });
  }
  const liveMessages = orderedMessages(await readConversation(live, call.conversation_id));
  const archived = await withDeadline(
    deps.archive.readMessages(call.conversation_id),
    deps.settings.archiveDeadlineMs,
    'archive read',
  );
  const missing = missingFromArchive(liveMessages, archived ?? []);
  if (archived === null || missing.length > 0) {
    log.warn('archive is not whole yet: re-archiving before purge', { callId, missing: missing.length });
    await enqueueArchive(deps, callId, rearchiveTaskId(callId, liveMessages.length));
    return 'rearchive';
  }
  await live.update({
    [paths.call(callId)]: null,
    [paths.conversation(call.conversation_id)]: null,
    [paths.callSid(call.call_sid)]: null,
  });
  log.info('live call purged', { callId, messages: liveMessages.length });
  return 'purged';
}
