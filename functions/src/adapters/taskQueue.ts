import type { Functions } from 'firebase-admin/functions';
import { queueResource } from '@aurora/model/tasks';
import type { TaskQueue } from '../ports';

/**
 * TaskQueue over Cloud Tasks (the tasks emulator locally), via the Admin SDK, to the queues in
 * `region`: the functions' own region (FUNCTIONS_REGION), where their queues were created.
 */
export function cloudTaskQueue(functions: Functions, region: string): TaskQueue {
  return {
    enqueue: async (queue, task, id, delaySeconds) => {
      try {
        await functions
          .taskQueue(queueResource(region, queue).function)
          .enqueue(task, { id, ...(delaySeconds ? { scheduleDelaySeconds: delaySeconds } : {}) });
        return 'enqueued';
      } catch (err) {
        if ((err as { code?: string }).code === 'functions/task-already-exists') return 'duplicate';
        throw err;
      }
    },
  };
}
