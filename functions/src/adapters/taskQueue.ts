import type { Functions } from 'firebase-admin/functions';
import type { TaskQueue } from '../ports';

/** Every Cloud Functions region is named so (us-central1, europe-west1, northamerica-northeast1). */
const REGION = /^[a-z]+-[a-z]+\d+$/;

/**
 * Where a task queue function's queue is. Firebase creates one Cloud Tasks queue per task queue
 * function, named after the function, in the function's region. `function` is the form
 * firebase-admin's taskQueue() takes, `locations/{region}/functions/{name}`: given a bare name it
 * assumes us-central1 (DEFAULT_LOCATION in firebase-admin lib/functions/functions-api-client-internal.js),
 * where a site deployed elsewhere has no queue. `queue` is the Cloud Tasks queue that enqueues to
 * (under `projects/{project}/`), which preflight and `npm run ops` read (scripts/lib/queues.ts):
 * both come from here so they cannot look somewhere the enqueues do not go.
 */
export function queueResource(region: string, name: string): { function: string; queue: string } {
  // A blank region would otherwise make firebase-admin refuse every enqueue with a vague "invalid resource name".
  if (!REGION.test(region)) throw new Error(`the task queues' region must be a Cloud Functions region such as europe-west1 (FUNCTIONS_REGION), not "${region}"`);
  return { function: `locations/${region}/functions/${name}`, queue: `locations/${region}/queues/${name}` };
}

/**
 * TaskQueue over Cloud Tasks (the tasks emulator locally), via the Admin SDK, to the queues in
 * `region`: the functions' own region (FUNCTIONS_REGION), where their queues were created.
 */
export function cloudTaskQueue(functions: Functions, region: string): TaskQueue {
  return {
    enqueue: async (queue, task, id, delaySeconds) => {
      try {
        await functions.taskQueue(queueResource(region, queue).function).enqueue(task, { id, ...(delaySeconds ? { scheduleDelaySeconds: delaySeconds } : {}) });
        return 'enqueued';
      } catch (err) {
        if ((err as { code?: string }).code === 'functions/task-already-exists') return 'duplicate';
        throw err;
      }
    },
  };
}
