import type { Functions } from 'firebase-admin/functions';
import type { TaskQueue } from '../ports';

/** TaskQueue over Cloud Tasks (the tasks emulator locally), via the Admin SDK. */
export function cloudTaskQueue(functions: Functions): TaskQueue {
  return {
    enqueue: async (queue, task, id, delaySeconds) => {
      try {
        await functions.taskQueue(queue).enqueue(task, { id, ...(delaySeconds ? { scheduleDelaySeconds: delaySeconds } : {}) });
        return 'enqueued';
      } catch (err) {
        if ((err as { code?: string }).code === 'functions/task-already-exists') return 'duplicate';
        throw err;
      }
    },
  };
}
