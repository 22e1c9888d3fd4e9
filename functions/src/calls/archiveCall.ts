import { planArchive } from '../core/archiveDocs';
import { withDeadline } from '../core/errors';
import type { CallTask, Deps } from './deps';
import { readCall, readConversation } from './liveCalls';

export const purgeTaskId = (callId: string, messages: number) => `purge-${callId}-m${messages}`;

/**
 * Archive queue: copies an ENDED call and its transcript from the Realtime Database to Firestore
 * in one atomic batch, then hands the call to the purge queue. Safe to repeat: an archive that
 * already holds every message is left as it is.
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
  const conversation = await readConversation(live, call.conversation_id);
  const plan = planArchive(callId, call, conversation);
  const outcome = await withDeadline(deps.archive.write(plan), deps.settings.archiveDeadlineMs, 'archive write');
  const total = plan.conversation.total_messages;
  log.info('call archived', { callId, outcome, messages: total });
  const id = purgeTaskId(callId, total);
  if ((await deps.queue.enqueue('purgeCall', { callId }, id)) === 'duplicate') {
    log.info('purge already queued', { callId, taskId: id });
  }
  return outcome;
}
