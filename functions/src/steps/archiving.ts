/**
 * The steps of archival other use cases take: enqueueing a call's archival (the status callback,
 * an acknowledgement, the sweeper, a purge that finds the archive short) and archiving the live
 * conversations a purged call left behind (the sweeper).
 */
import { QUEUES } from '@aurora/model/tasks';
import { withDeadline } from '../core/errors';
import { orderedMessages, paths, salvageConversation } from '@aurora/model';
import type { Deps } from '../ports';
import { callIdOf } from '../core/ids';

/**
 * Enqueue failures are logged, not thrown: the call is already ENDED, and the sweeper re-drives
 * ENDED calls that were never archived.
 */
export async function enqueueArchive(deps: Deps, callId: string, taskId: string): Promise<void> {
  try {
    const result = await deps.queue.enqueue(QUEUES.archive, { callId }, taskId);
    if (result === 'duplicate') deps.log.info('archival already queued', { callId, taskId });
  } catch (err) {
    deps.log.error('could not enqueue archival; the sweeper will retry', {
      callId,
      error: String(err),
    });
  }
}

/**
 * Live conversations whose call is gone: an admin's note or the caller's partial speech that
 * landed after the purge. Their messages go onto the end of the archived transcript (the
 * CallSid comes from the call id's reservation), then the node is removed if nothing changed
 * meanwhile. One that cannot be archived (no archive, or no reservation) stays and is logged:
 * removing it would lose what it holds. Returns how many were removed.
 */
export async function archiveOrphans(
  deps: Deps,
  liveCallIds: Set<string>,
  reservations: Record<string, { call_sid?: string } | null>,
): Promise<number> {
  const conversations =
    ((await deps.live.get(paths.activeConversations)) as Record<string, unknown> | null) ?? {};
  let removed = 0;
  for (const [conversationId, raw] of Object.entries(conversations)) {
    const callId = callIdOf(conversationId);
    // A call that began after the sweep read the live calls is not an orphan.
    if (liveCallIds.has(callId) || (await deps.live.get(paths.call(callId))) !== null) continue;
    const { conversation } = salvageConversation(raw, callId);
    const messages = orderedMessages(conversation);
    const callSid = reservations[callId]?.call_sid;
    if (messages.length > 0) {
      const archived = callSid
        ? await withDeadline(
            deps.archive.appendMessages(callId, callSid, messages),
            deps.settings.archiveDeadlineMs,
            'orphan append',
          )
        : false;
      if (!archived) {
        deps.log.error('orphan live conversation has no archive to join: kept', {
          conversationId,
          messages: messages.length,
        });
        continue;
      }
    }
    const keys = new Set(Object.keys(conversation.messages));
    const { committed } = await deps.live.transact(
      paths.conversation(conversationId),
      (current) => {
        if (current === null) return null;
        const now = salvageConversation(current, callId).conversation;
        const same =
          Object.keys(now.messages).length === keys.size &&
          Object.keys(now.messages).every((k) => keys.has(k));
        return same ? null : undefined; // something new arrived: archived on the next sweep
      },
    );
    if (committed) removed++;
    deps.log.warn('orphan live conversation archived and removed', {
      conversationId,
      messages: messages.length,
    });
  }
  return removed;
}
