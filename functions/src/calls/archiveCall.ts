import { planArchive } from '../core/archiveDocs';
import { withDeadline } from '../core/errors';
import type { CallTask, Deps } from './deps';
import { readCall, readConversation } from './liveCalls';
import { purgeIfArchived } from './purgeCall';

export const purgeTaskId = (callId: string, messages: number) => `purge-${callId}-m${messages}`;

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
  const conversation = await readConversation(live, call.conversation_id);
  const plan = planArchive(callId, call, conversation);
  const outcome = await withDeadline(deps.archive.write(plan), deps.settings.archiveDeadlineMs, 'archive write');
  const total = plan.conversation.total_messages;
  log.info('call archived', { callId, outcome, messages: total });

  // Purging here saves a queue hop (and a cold start) on the common path.
  const purge = await purgeIfArchived(callId, deps);
  if (purge.kind === 'purged' || purge.kind === 'gone') return outcome;
  const id = purgeTaskId(callId, total);
  if ((await deps.queue.enqueue('purgeCall', { callId }, id)) === 'duplicate') {
    log.info('purge already queued', { callId, taskId: id });
  }
  return outcome;
}
