/**
 * A local stand-in for the parts of the Cloud Tasks v2 REST API (cloudtasks.googleapis.com/v2)
 * that `npm run ops` and preflight use, spoken to by the real @google-cloud/tasks client over
 * its REST transport (`fallback: true`, scripts/lib/queues.ts). The Firebase tasks emulator
 * cannot serve them: it answers only its own create-queue call, createTask, deleteTask and a
 * /queueStats page (firebase-tools lib/emulator/tasksEmulator.js), so nothing local can list a
 * queue or run a task.
 *
 * Methods (https://cloud.google.com/tasks/docs/reference/rest/v2/projects.locations.queues):
 * queues.list, queues.get, queues.pause, queues.resume, queues.tasks.list, queues.tasks.get,
 * queues.tasks.run, and queues.tasks.create, which firebase-admin's TaskQueue.enqueue() calls
 * (the functions' enqueues, in tests). It refuses what Cloud Tasks refuses, with its status codes:
 * - NOT_FOUND (404) for a queue that does not exist (queues.get) and for a task that does not
 *   exist, "RunTask returns NOT_FOUND when it is called on a task that has already succeeded or
 *   permanently failed" (https://cloud.google.com/tasks/docs/reference/rest/v2/projects.locations.queues.tasks/run);
 * - FAILED_PRECONDITION (400) "Queue does not exist." for task calls on a queue that does not
 *   exist, as the service answers them (reported in googleapis users' threads:
 *   stackkit/laravel-google-cloud-tasks-queue#103, GoogleCloudPlatform/python-docs-samples#4034);
 * - INVALID_ARGUMENT (400) for a page size over 1000 (tasks.list: "The maximum page size is 1000");
 * - ALREADY_EXISTS (409) for a task named like one the queue has or had: "If a task's ID is
 *   identical to that of an existing task or a task that was deleted or executed recently then
 *   the call will fail with ALREADY_EXISTS" (tasks.create,
 *   https://cloud.google.com/tasks/docs/reference/rest/v2/projects.locations.queues.tasks/create).
 * Enums come back as numbers when the client asks for `enum-encoding=int`, as the real API does.
 * It does not check credentials (the client's PassThroughClient sends none).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenLocally } from './local-server.ts';

export type QueueState = 'RUNNING' | 'PAUSED' | 'DISABLED';
const QUEUE_STATES: Record<QueueState, number> = { RUNNING: 1, PAUSED: 2, DISABLED: 3 };
const VIEWS = { BASIC: 1, FULL: 2 } as const;

export type StandInTask = {
  name: string;
  createTime: string;
  scheduleTime: string;
  dispatchCount: number;
  responseCount: number;
  lastAttempt?: {
    dispatchTime?: string;
    responseTime?: string;
    responseStatus?: { code: number; message: string };
  };
  httpRequest: { url: string; httpMethod: 'POST'; body?: string };
};

/** `seen`: every task name the queue has held, which tasks.create refuses again. */
type Queue = {
  name: string;
  state: QueueState;
  tasks: Map<string, StandInTask>;
  seen: Set<string>;
};

/** A request as it reached the stand-in, Host header included (a client may be redirected here from Google's). */
export type StandInRequest = { method: string; host: string; path: string };

/** What a forced run does with the task: true when its target answered 2xx (the task is then deleted). */
export type Dispatch = (task: StandInTask) => Promise<boolean>;

const MAX_PAGE_SIZE = 1000;
const QUEUE_PATH =
  /^\/v2\/(projects\/[^/]+\/locations\/[^/]+)\/queues(?:\/([A-Za-z0-9-]+))?(?::(pause|resume))?$/;
const TASK_PATH =
  /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/queues\/[A-Za-z0-9-]+)\/tasks(?:\/([A-Za-z0-9_-]+))?(?::(run))?$/;

export class CloudTasksApiServer {
  private readonly queues = new Map<string, Queue>();
  private server: Server | null = null;
  port = 0;
  /** Called for a forced run; by default the target succeeds. */
  dispatch: Dispatch = async () => true;
  readonly requests: StandInRequest[] = [];

  get endpoint() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A queue as firebase deploy creates one for a task queue function (its id is the function's name). */
  addQueue(parent: string, id: string, state: QueueState = 'RUNNING'): this {
    this.queues.set(`${parent}/queues/${id}`, {
      name: `${parent}/queues/${id}`,
      state,
      tasks: new Map(),
      seen: new Set(),
    });
    return this;
  }

  addTask(
    queueName: string,
    id: string,
    task: Partial<Omit<StandInTask, 'name'>> = {},
  ): StandInTask {
    const queue = this.queues.get(queueName);
    if (!queue) throw new Error(`no queue ${queueName}`);
    const now = new Date().toISOString();
    const full: StandInTask = {
      name: `${queueName}/tasks/${id}`,
      createTime: now,
      scheduleTime: now,
      dispatchCount: 0,
      responseCount: 0,
      httpRequest: { url: `https://example.invalid/${id}`, httpMethod: 'POST' },
      ...task,
    };
    queue.tasks.set(full.name, full);
    queue.seen.add(full.name);
    return full;
  }

  task(name: string): StandInTask | undefined {
    for (const queue of this.queues.values())
      if (queue.tasks.has(name)) return queue.tasks.get(name);
    return undefined;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on(
        'end',
        () =>
          void this.route(req, Buffer.concat(chunks).toString('utf8'), res).catch((err: unknown) =>
            error(res, 500, 'INTERNAL', String(err)),
          ),
      );
    });
    this.port = await listenLocally(this.server, port);
    return this;
  }

  async stop() {
    await closeServer(this.server);
  }

  private async route(req: IncomingMessage, body: string, res: ServerResponse) {
    const url = new URL(req.url ?? '/', this.endpoint);
    this.requests.push({
      method: req.method ?? '',
      host: req.headers.host ?? '',
      path: url.pathname,
    });
    const ints = (url.searchParams.get('$alt') ?? '').includes('enum-encoding=int');
    const send = (body: unknown) => json(res, 200, body);
    const queueJson = (q: Queue) => ({
      name: q.name,
      state: ints ? QUEUE_STATES[q.state] : q.state,
    });
    const taskJson = (t: StandInTask, full: boolean) => ({
      ...(full
        ? t
        : { ...t, httpRequest: { url: t.httpRequest.url, httpMethod: t.httpRequest.httpMethod } }),
      view: ints ? VIEWS[full ? 'FULL' : 'BASIC'] : full ? 'FULL' : 'BASIC',
    });

    const task = TASK_PATH.exec(url.pathname);
    if (task) {
      const [, queueName, id, verb] = task as unknown as [
        string,
        string,
        string | undefined,
        string | undefined,
      ];
      const queue = this.queues.get(queueName);
      if (!queue) return error(res, 400, 'FAILED_PRECONDITION', 'Queue does not exist.');
      if (!id && req.method === 'POST')
        return this.create(queue, body, res, (t) => taskJson(t, false));
      if (!id && req.method === 'GET') {
        const pageSize = Number(url.searchParams.get('pageSize') || MAX_PAGE_SIZE);
        if (pageSize > MAX_PAGE_SIZE)
          return error(res, 400, 'INVALID_ARGUMENT', 'The maximum page size is 1000.');
        const all = [...queue.tasks.values()].sort((a, b) =>
          a.scheduleTime.localeCompare(b.scheduleTime),
        );
        const start = Number(url.searchParams.get('pageToken') || 0);
        const page = all.slice(start, start + pageSize);
        const full = ['2', 'FULL'].includes(url.searchParams.get('responseView') ?? '');
        return send({
          tasks: page.map((t) => taskJson(t, full)),
          ...(start + pageSize < all.length ? { nextPageToken: String(start + pageSize) } : {}),
        });
      }
      const found = id ? queue.tasks.get(`${queueName}/tasks/${id}`) : undefined;
      if (id && !found)
        return error(
          res,
          404,
          'NOT_FOUND',
          'The task no longer exists, though a task with this name existed recently. The task either successfully completed or was deleted.',
        );
      if (found && !verb && req.method === 'GET')
        return send(
          taskJson(found, ['2', 'FULL'].includes(url.searchParams.get('responseView') ?? '')),
        );
      if (found && verb === 'run' && req.method === 'POST') {
        // Dispatched even when the queue is paused or disabled (RunTask's documented behaviour).
        const dispatchTime = new Date().toISOString();
        found.dispatchCount += 1;
        found.lastAttempt = { dispatchTime };
        const dispatched = { ...found };
        const succeeded = await this.dispatch(found).catch(() => false);
        found.responseCount += 1;
        found.lastAttempt = {
          dispatchTime,
          responseTime: new Date().toISOString(),
          responseStatus: succeeded
            ? { code: 0, message: 'OK' }
            : { code: 13, message: 'INTERNAL' },
        };
        if (succeeded) queue.tasks.delete(found.name);
        else found.scheduleTime = new Date(Date.now() + 1000).toISOString();
        return send(taskJson(dispatched, false));
      }
      return error(res, 404, 'NOT_FOUND', `no such method ${req.method} ${url.pathname}`);
    }

    const queue = QUEUE_PATH.exec(url.pathname);
    if (queue) {
      const [, parent, id, verb] = queue as unknown as [
        string,
        string,
        string | undefined,
        string | undefined,
      ];
      if (!id && req.method === 'GET')
        return send({
          queues: [...this.queues.values()]
            .filter((q) => q.name.startsWith(`${parent}/`))
            .map(queueJson),
        });
      const found = this.queues.get(`${parent}/queues/${id}`);
      if (!found) return error(res, 404, 'NOT_FOUND', 'Requested entity was not found.');
      if (!verb && req.method === 'GET') return send(queueJson(found));
      if (verb && req.method === 'POST') {
        found.state = verb === 'pause' ? 'PAUSED' : 'RUNNING';
        return send(queueJson(found));
      }
    }
    return error(res, 404, 'NOT_FOUND', `no such method ${req.method} ${url.pathname}`);
  }

  /** tasks.create: the body is `{ task }`; a task without a name gets one, as Cloud Tasks names it. */
  private create(
    queue: Queue,
    body: string,
    res: ServerResponse,
    view: (t: StandInTask) => unknown,
  ) {
    let task: {
      name?: string;
      scheduleTime?: string;
      httpRequest?: { url?: string; body?: string };
    };
    try {
      task = (JSON.parse(body) as { task?: typeof task }).task ?? {};
    } catch {
      return error(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    const prefix = `${queue.name}/tasks/`;
    const name = task.name ?? `${prefix}${Math.floor(Math.random() * Number.MAX_SAFE_INTEGER)}`;
    if (!name.startsWith(prefix))
      return error(
        res,
        400,
        'INVALID_ARGUMENT',
        `Task name ${name} is not in queue ${queue.name}.`,
      );
    if (queue.seen.has(name))
      return error(res, 409, 'ALREADY_EXISTS', 'Requested entity already exists');
    const created = this.addTask(queue.name, name.slice(prefix.length), {
      ...(task.scheduleTime !== undefined ? { scheduleTime: task.scheduleTime } : {}),
      httpRequest: {
        url: task.httpRequest?.url ?? '',
        httpMethod: 'POST',
        ...(task.httpRequest?.body ? { body: task.httpRequest.body } : {}),
      },
    });
    return json(res, 200, view(created));
  }
}

function json(res: ServerResponse, status: number, body: unknown) {
  res
    .writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8' })
    .end(JSON.stringify(body));
}

/** Google's JSON error shape (https://cloud.google.com/apis/design/errors#http_mapping). */
function error(res: ServerResponse, httpStatus: number, status: string, message: string) {
  json(res, httpStatus, { error: { code: httpStatus, message, status } });
}
