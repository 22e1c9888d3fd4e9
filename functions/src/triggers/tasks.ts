import { QUEUES } from '@aurora/model/tasks';
import type { Request } from 'firebase-functions/v2/tasks';
import { archiveCall, purgeCall } from '../calls/archival';
import type { CallTask, Deps } from '../ports';
import { escalateCall } from '../calls/escalateCall';
import { AuroraError } from '../core/errors';
import { recordWords } from '../calls/recordWords';
import { CALL_ID_PATTERN, LiveMessage, Urgency } from '@aurora/model';
import { z } from 'zod';
import { productionDeps } from './wiring';

export const CallTaskBody = z.object({ callId: z.string().regex(CALL_ID_PATTERN) });
export const EscalationTaskBody = CallTaskBody.extend({
  dueAt: z.iso.datetime(),
  rise: z.number().int().nonnegative().optional(),
});
/** A message key as core/ids.ts makes them (push-id characters): nothing else names a database path. */
const MESSAGE_KEY = /^[-0-9A-Za-z_]{1,64}$/;
export const WordsTaskBody = CallTaskBody.extend({
  callSid: z.string().min(1),
  lines: z
    .array(LiveMessage.extend({ key: z.string().regex(MESSAGE_KEY) }))
    .min(1)
    .max(50),
  turn: z.string().min(1).optional(),
  urgency: Urgency.optional(),
});

/**
 * A task queue handler: a malformed payload is logged and acknowledged (a retry cannot cure it),
 * as is a non-retryable AuroraError; anything else throws, so Cloud Tasks retries it.
 */
export function callTaskHandler<T extends CallTask>(
  name: string,
  schema: z.ZodType<T>,
  run: (task: T, deps: Deps, attempt: { retryCount: number }) => Promise<string>,
  makeDeps: () => Deps = productionDeps,
) {
  return async (
    req: Pick<Request<unknown>, 'data'> & Partial<Pick<Request<unknown>, 'retryCount'>>,
  ): Promise<void> => {
    const deps = makeDeps();
    const task = schema.safeParse(req.data);
    if (!task.success) {
      deps.log.error('dropped a malformed task', {
        queue: name,
        issues: task.error.issues.map((i) => i.message),
      });
      return;
    }
    try {
      await run(task.data, deps, { retryCount: req.retryCount ?? 0 });
    } catch (err) {
      if (err instanceof AuroraError && !err.retryable) {
        deps.log.error('task failed for good', {
          queue: name,
          callId: task.data.callId,
          error: err.message,
        });
        return;
      }
      deps.log.warn('task failed, will retry', {
        queue: name,
        callId: task.data.callId,
        error: String(err),
      });
      throw err;
    }
  };
}

export const handleArchiveTask = callTaskHandler(QUEUES.archive, CallTaskBody, archiveCall);
export const handlePurgeTask = callTaskHandler(QUEUES.purge, CallTaskBody, purgeCall);
export const handleEscalationTask = callTaskHandler(
  QUEUES.escalate,
  EscalationTaskBody,
  escalateCall,
);
export const handleWordsTask = callTaskHandler(QUEUES.words, WordsTaskBody, recordWords);
