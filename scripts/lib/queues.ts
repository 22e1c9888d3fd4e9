/**
 * Aurora's task queues through Cloud Tasks' own client (@google-cloud/tasks): each queue's
 * state, depth and oldest task, one task, and a forced run. `npm run ops` and preflight use it.
 * Firebase creates one queue per task queue function, named after the function, in the
 * functions' region. The client speaks REST (`fallback: true`), so a local stand-in
 * (scripts/lib/tasks-api.ts) can answer it at an `endpoint` in tests.
 */
import { createRequire } from 'node:module';
import { CloudTasksClient } from '@google-cloud/tasks';
import { queueResource } from '@aurora/model/tasks';

export type QueueTarget = { projectId: string; region: string };

/** The queue the functions enqueue to, named as their own adapter names it, so what preflight and ops read is where the tasks go. */
export function queuePath({ projectId, region }: QueueTarget, queue: string): string {
  return `projects/${projectId}/${queueResource(region, queue).queue}`;
}

/**
 * A Cloud Tasks client: Application Default Credentials against the real API, or a local
 * endpoint (the stand-in) with no credentials at all, through google-auth-library's
 * PassThroughClient (made for emulators), taken from the copy google-gax itself uses.
 */
export function cloudTasksClient(endpoint?: string): CloudTasksClient {
  if (!endpoint) return new CloudTasksClient({ fallback: true });
  const url = new URL(endpoint);
  // Resolved from @google-cloud/tasks, not from here: npm may hoist another package's google-gax
  // (with @google-cloud/tasks 7, firebase-tools' older copy is the one at the top of node_modules).
  const tasksRequire = createRequire(createRequire(import.meta.url).resolve('@google-cloud/tasks'));
  const gaxRequire = createRequire(tasksRequire.resolve('google-gax'));
  const { PassThroughClient } = gaxRequire('google-auth-library') as {
    PassThroughClient: new () => unknown;
  };
  return new CloudTasksClient({
    fallback: true,
    apiEndpoint: url.hostname,
    port: Number(url.port),
    protocol: url.protocol.replace(':', ''),
    authClient: new PassThroughClient(),
  } as ConstructorParameters<typeof CloudTasksClient>[0]);
}

/** A Cloud Tasks refusal by its canonical status (NOT_FOUND, FAILED_PRECONDITION, …), whichever way the transport reported it. */
export function tasksError(err: unknown): { status: string; message: string } {
  const e = (err ?? {}) as { code?: number | string; message?: string; status?: string };
  const message = String(e.message ?? err);
  const fromBody = /"status":\s*"([A-Z_]+)"/.exec(message)?.[1];
  const innerMessage = /"message":\s*"([^"]*)"/.exec(message)?.[1];
  const byCode: Record<string, string> = {
    '5': 'NOT_FOUND',
    '9': 'FAILED_PRECONDITION',
    '3': 'INVALID_ARGUMENT',
    '7': 'PERMISSION_DENIED',
    '16': 'UNAUTHENTICATED',
    '404': 'NOT_FOUND',
    '403': 'PERMISSION_DENIED',
    '401': 'UNAUTHENTICATED',
  };
  const status =
    fromBody ??
    (typeof e.status === 'string' && /^[A-Z_]+$/.test(e.status) ? e.status : undefined) ??
    byCode[String(e.code)] ??
    'UNKNOWN';
  return { status, message: innerMessage ?? message };
}

export type TaskInfo = {
  id: string;
  scheduleTime: string | null;
  createTime: string | null;
  dispatchCount: number;
  responseCount: number;
  lastStatus: string | null;
};
export type QueueReport =
  | {
      queue: string;
      found: true;
      state: string;
      depth: number;
      oldest: TaskInfo | null;
      retrying: number;
      truncated: boolean;
    }
  | { queue: string; found: false; problem: string };

type Timestamp =
  | { seconds?: number | string | { toString(): string } | null; nanos?: number | null }
  | null
  | undefined;
const iso = (t: Timestamp) =>
  t?.seconds != null
    ? new Date(Number(String(t.seconds)) * 1000 + Math.round((t.nanos ?? 0) / 1e6)).toISOString()
    : null;

type ApiTask = {
  name?: string | null;
  scheduleTime?: Timestamp;
  createTime?: Timestamp;
  dispatchCount?: number | null;
  responseCount?: number | null;
  lastAttempt?: {
    responseStatus?: { code?: number | null; message?: string | null } | null;
  } | null;
};

/** What a listed task says, in plain values. */
export function taskInfo(task: ApiTask): TaskInfo {
  const status = task.lastAttempt?.responseStatus;
  return {
    id: (task.name ?? '').split('/').pop() ?? '',
    scheduleTime: iso(task.scheduleTime),
    createTime: iso(task.createTime),
    dispatchCount: task.dispatchCount ?? 0,
    responseCount: task.responseCount ?? 0,
    lastStatus: status ? `${status.code ?? 0} ${status.message ?? ''}`.trim() : null,
  };
}

/** A queue's depth, its oldest task (earliest due) and how many tasks are being retried. */
export function summarizeQueue(
  queue: string,
  state: string,
  tasks: TaskInfo[],
  truncated: boolean,
): QueueReport {
  const sorted = [...tasks].sort((a, b) =>
    (a.scheduleTime ?? '').localeCompare(b.scheduleTime ?? ''),
  );
  return {
    queue,
    found: true,
    state,
    depth: tasks.length,
    oldest: sorted[0] ?? null,
    retrying: tasks.filter((t) => t.dispatchCount > 0).length,
    truncated,
  };
}

/** Pages listed per queue at most (1,000 tasks a page): Aurora's queues hold a handful of tasks. */
const MAX_PAGES = 10;

export async function queueReport(
  client: CloudTasksClient,
  target: QueueTarget,
  queue: string,
): Promise<QueueReport> {
  const name = queuePath(target, queue);
  let state: string;
  try {
    const [found] = await client.getQueue({ name });
    state = String(found.state ?? 'STATE_UNSPECIFIED');
  } catch (err) {
    const { status, message } = tasksError(err);
    if (status === 'NOT_FOUND')
      return { queue, found: false, problem: `queue ${queue} does not exist in ${target.region}` };
    return { queue, found: false, problem: `could not read queue ${queue}: ${status} ${message}` };
  }
  const tasks: TaskInfo[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const [page, , response] = await client.listTasks(
      { parent: name, responseView: 'BASIC', pageSize: 1000, pageToken },
      { autoPaginate: false },
    );
    tasks.push(...page.map(taskInfo));
    pageToken = response?.nextPageToken || undefined;
    pages += 1;
  } while (pageToken && pages < MAX_PAGES);
  return summarizeQueue(queue, state, tasks, Boolean(pageToken));
}

const ago = (time: string | null, now: number) => {
  if (!time) return '';
  const seconds = Math.round((now - Date.parse(time)) / 1000);
  const span =
    Math.abs(seconds) < 120
      ? `${Math.abs(seconds)} s`
      : Math.abs(seconds) < 7200
        ? `${Math.round(Math.abs(seconds) / 60)} min`
        : `${Math.round(Math.abs(seconds) / 3600)} h`;
  return seconds >= 0 ? `${span} ago` : `in ${span}`;
};

/** One line per queue, as `npm run ops -- queues` prints it. */
export function formatQueueReport(report: QueueReport, now: number): string {
  if (!report.found) return `${report.queue.padEnd(13)} MISSING  ${report.problem}`;
  const depth =
    report.depth === 0
      ? 'empty'
      : `${report.depth}${report.truncated ? '+' : ''} task${report.depth === 1 ? '' : 's'}`;
  const oldest = report.oldest
    ? `; oldest ${report.oldest.id}, due ${report.oldest.scheduleTime} (${ago(report.oldest.scheduleTime, now)}), ${report.oldest.dispatchCount} attempt${report.oldest.dispatchCount === 1 ? '' : 's'}`
    : '';
  const retrying = report.retrying > 0 ? `; ${report.retrying} retrying` : '';
  const paused =
    report.state === 'RUNNING'
      ? ''
      : ` (nothing is dispatched while ${report.state}: gcloud tasks queues resume ${report.queue} --location <region>)`;
  return `${report.queue.padEnd(13)} ${report.state.padEnd(8)} ${depth}${oldest}${retrying}${paused}`;
}

/** One task, as `npm run ops -- task <id>` prints it. */
export function formatTask(queue: string, task: TaskInfo, now: number): string {
  return [
    `task ${task.id} in ${queue}`,
    `  due        ${task.scheduleTime ?? '?'} (${ago(task.scheduleTime, now)})`,
    `  created    ${task.createTime ?? '?'} (${ago(task.createTime, now)})`,
    `  attempts   ${task.dispatchCount} dispatched, ${task.responseCount} answered`,
    `  last       ${task.lastStatus ?? 'never attempted'}`,
  ].join('\n');
}
