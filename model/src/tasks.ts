/**
 * Aurora's task queues and the ids of the tasks on them, shared by the functions (which enqueue
 * and run them) and the operator's scripts (which inspect, run and count them). Node only: the
 * ids are hashed, so the dashboard never imports this entry point (`@aurora/model/tasks`).
 *
 * Task ids deduplicate: Cloud Tasks refuses a second task with an id it has seen, so a repeated
 * status callback cannot archive twice, and each re-drive needs an id of its own.
 */
import { createHash } from 'node:crypto';

/** The task queue functions, each with the queue Firebase creates for it (named after the function). */
export const QUEUES = {
  archive: 'archiveCall',
  purge: 'purgeCall',
  escalate: 'escalateCall',
  /** A turn's lines the Realtime Database refused for the whole turn: written later, live or archived (calls/recordWords.ts). */
  words: 'recordWords',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const QUEUE_NAMES: readonly QueueName[] = Object.values(QUEUES);

/** Every Cloud Functions region is named so (us-central1, europe-west1, northamerica-northeast1). */
const REGION = /^[a-z]+-[a-z]+\d+$/;

/**
 * Where a task queue function's queue is. Firebase creates one Cloud Tasks queue per task queue
 * function, named after the function, in the function's region. `function` is the form
 * firebase-admin's taskQueue() takes, `locations/{region}/functions/{name}`: given a bare name it
 * assumes us-central1 (DEFAULT_LOCATION in firebase-admin lib/functions/functions-api-client-internal.js),
 * where a site deployed elsewhere has no queue. `queue` is the Cloud Tasks queue that enqueues to
 * (under `projects/{project}/`), which preflight and `npm run ops` read (scripts/lib/queues.ts):
 * the functions' adapter and the scripts both take it from here, so they cannot look somewhere
 * the enqueues do not go.
 */
export function queueResource(region: string, name: string): { function: string; queue: string } {
  // A blank region would otherwise make firebase-admin refuse every enqueue with a vague "invalid resource name".
  if (!REGION.test(region))
    throw new Error(
      `the task queues' region must be a Cloud Functions region such as europe-west1 (FUNCTIONS_REGION), not "${region}"`,
    );
  return {
    function: `locations/${region}/functions/${name}`,
    queue: `locations/${region}/queues/${name}`,
  };
}

/**
 * A call or conversation id as logs and task names carry it. The seed's ids hold the caller's
 * whole number (call_{digits}_{date}_{time}), so they are replaced by a short hash of the id:
 * the same id always gives the same reference (log lines and tasks of one call can be joined),
 * and the number cannot be read back from it.
 */
export const idRef = (id: string) =>
  `${id.startsWith('conv_') ? 'conv' : 'call'}_${createHash('sha256').update(id).digest('hex').slice(0, 12)}`;

/** Task names are visible in the Cloud Tasks console and logs: they name the call by idRef, never by its number. */
export const taskIds = {
  /** The call's first archival, from its status callback (or the sweeper ending it). */
  archive: (callId: string) => `archive-${idRef(callId)}`,
  /** Archival again because `messages` live messages were more than the archive held. */
  rearchive: (callId: string, messages: number) => `archive-${idRef(callId)}-m${messages}`,
  /** The sweeper's re-drive of a stalled archival, one per stall window. */
  redrive: (callId: string, window: number) => `archive-${idRef(callId)}-s${window}`,
  /** The purge of a call archived with `messages` messages. */
  purge: (callId: string, messages: number) => `purge-${idRef(callId)}-m${messages}`,
  /** Archival again once an ended CRITICAL call held live for it was acknowledged (one per acknowledgement). */
  acknowledged: (callId: string, at: string) =>
    `archive-${idRef(callId)}-a${at.replace(/\D/g, '').slice(0, 14)}`,
  /** A CRITICAL call's escalation timer, one per call. */
  /** One timer per rise to CRITICAL: after a fall ("it's the drill"), a new rise gets its own. */
  escalate: (callId: string, falls = 0) =>
    falls === 0 ? `escalate-${idRef(callId)}` : `escalate-${idRef(callId)}-r${falls}`,
  /**
   * A turn's lines that could not be written, named by their message keys: enqueueing the same
   * lines again is a duplicate, and lines of another turn get a task of their own.
   */
  words: (callId: string, messageKeys: readonly string[]) =>
    `words-${idRef(callId)}-${createHash('sha256').update(messageKeys.join('/')).digest('hex').slice(0, 16)}`,
};

/** Which queue a task id belongs to (its prefix names the queue), or null for a stranger's task. */
export function queueForTask(taskId: string): QueueName | null {
  const prefix = taskId.split('-')[0] as keyof typeof QUEUES;
  return Object.hasOwn(QUEUES, prefix) ? QUEUES[prefix] : null;
}
