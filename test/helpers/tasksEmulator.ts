/**
 * firebase-tools' own tasks emulator (lib/emulator/tasksEmulator.js), in process, with one task
 * queue function registered as the functions emulator registers it, and a local server standing
 * in for that function: what the local stack does with the functions' enqueues, without the stack.
 */
import { createServer, type IncomingMessage, type RequestListener } from 'node:http';
import { createRequire } from 'node:module';
import { closeServer, listenLocally } from '../../scripts/lib/local-server.ts';

type Hub = { createHubServer(): RequestListener; controller: { stop(): void } };
const { TasksEmulator } = createRequire(import.meta.url)(
  'firebase-tools/lib/emulator/tasksEmulator.js',
) as { TasksEmulator: new (args: object) => Hub };

/** A task as the emulated function received it: the emulator's queue key (X-CloudTasks-QueueName) and the body. */
export type Dispatched = { queue: string; body: unknown };

export async function startTasksEmulator(projectId: string, region: string, functionName: string) {
  const emulator = new TasksEmulator({});
  const hub = createServer(emulator.createHubServer());
  const dispatched: Dispatched[] = [];
  const fn = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      dispatched.push({
        queue: String(req.headers['x-cloudtasks-queuename']),
        body: JSON.parse(body) as unknown,
      });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  const host = `127.0.0.1:${await listenLocally(hub, 0)}`;
  const fnPort = await listenLocally(fn, 0);
  // As firebase-tools lib/emulator/functionsEmulator.js addTaskQueueTrigger does for a task queue
  // function: POST /projects/{project}/locations/{the function's region}/queues/{its name}.
  const registered = await fetch(
    `http://${host}/projects/${projectId}/locations/${region}/queues/${functionName}`,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        retryConfig: { maxAttempts: 1 },
        rateLimits: { maxConcurrentDispatches: 20 },
        defaultUri: `http://127.0.0.1:${fnPort}/${projectId}/${region}/${functionName}`,
      }),
    },
  );
  if (!registered.ok)
    throw new Error(
      `the tasks emulator refused the queue: ${registered.status} ${await registered.text()}`,
    );
  return {
    /** The value for CLOUD_TASKS_EMULATOR_HOST. */
    host,
    dispatched,
    async stop() {
      emulator.controller.stop();
      await closeServer(hub);
      await closeServer(fn);
    },
  };
}

/** Sets environment variables for a test and puts back what was there (unset stays unset). */
export function withEnv(values: Record<string, string | undefined>): () => void {
  const before = Object.fromEntries(Object.keys(values).map((k) => [k, process.env[k]]));
  const apply = (vars: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(vars)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(values);
  return () => apply(before);
}
