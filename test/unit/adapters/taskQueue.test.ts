/**
 * Where the functions' enqueues go, through the real firebase-admin client (no module mocks),
 * with the functions in europe-west1. A deployment's request, built for Google's endpoint, is
 * answered by the Cloud Tasks stand-in (scripts/lib/tasks-api.ts): the app's `httpAgent` option
 * connects every https request there. The local stack's request goes to firebase-tools' own tasks
 * emulator, with the queue registered as the functions emulator registers it.
 */
import { Agent } from 'node:https';
import { connect, type Socket } from 'node:net';
import { deleteApp, initializeApp, type App, type Credential } from 'firebase-admin/app';
import { getFunctions } from 'firebase-admin/functions';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { queueResource } from '@aurora/model/tasks';
import { cloudTaskQueue } from '../../../functions/src/adapters/taskQueue';
import { cloudTasksClient, queuePath, queueReport } from '../../../scripts/lib/queues.ts';
import { CloudTasksApiServer } from '../../../scripts/lib/tasks-api.ts';
import { startTasksEmulator, withEnv } from '../../helpers/tasksEmulator';

const REGION = 'europe-west1';
const target = { projectId: 'my-plant', region: REGION };
const SERVICE_ACCOUNT = '123-compute@developer.gserviceaccount.com';
/** Stands in for Application Default Credentials: the stand-in checks no token. */
const credential: Credential = {
  getAccessToken: async () => ({ access_token: 'test-token', expires_in: 3600 }),
};

/** Connects each https request to the stand-in, in plain HTTP: the client still builds it for cloudtasks.googleapis.com. */
class ToStandIn extends Agent {
  constructor(private readonly port: number) {
    super();
  }
  override createConnection(): Socket {
    return connect(this.port, '127.0.0.1');
  }
}

const decode = (body: string | undefined) =>
  JSON.parse(Buffer.from(body ?? '', 'base64').toString('utf8')) as unknown;

describe('cloudTaskQueue against Cloud Tasks', () => {
  const api = new CloudTasksApiServer();
  let app: App;

  beforeAll(async () => {
    await api.start();
    for (const queue of ['archiveCall', 'purgeCall', 'escalateCall', 'recordWords'])
      api.addQueue(`projects/${target.projectId}/locations/${REGION}`, queue);
    app = initializeApp(
      {
        projectId: target.projectId,
        serviceAccountId: SERVICE_ACCOUNT,
        credential,
        httpAgent: new ToStandIn(api.port),
      },
      'task-queue-cloud',
    );
  });
  afterAll(async () => {
    await deleteApp(app);
    await api.stop();
  });

  // No emulator host here, or firebase-admin would send the request there instead.
  let restoreEnv: () => void;
  beforeEach(() => {
    restoreEnv = withEnv({ CLOUD_TASKS_EMULATOR_HOST: undefined });
  });
  afterEach(() => restoreEnv());

  it("creates the task in the queue of the functions' region, to be dispatched to the function there", async () => {
    const queue = cloudTaskQueue(getFunctions(app), REGION);
    expect(await queue.enqueue('archiveCall', { callId: 'call_1' }, 'archive-call_1')).toBe(
      'enqueued',
    );
    // tasks.create is POST https://cloudtasks.googleapis.com/v2/{parent=projects/*/locations/*/queues/*}/tasks
    // (https://cloud.google.com/tasks/docs/reference/rest/v2/projects.locations.queues.tasks/create).
    expect(api.requests.at(-1)).toEqual({
      method: 'POST',
      host: 'cloudtasks.googleapis.com',
      path: '/v2/projects/my-plant/locations/europe-west1/queues/archiveCall/tasks',
    });
    const task = api.task(
      'projects/my-plant/locations/europe-west1/queues/archiveCall/tasks/archive-call_1',
    );
    expect(task?.httpRequest.url).toBe(
      'https://europe-west1-my-plant.cloudfunctions.net/archiveCall',
    );
    expect(decode(task?.httpRequest.body)).toEqual({ data: { callId: 'call_1' } });
  });

  it('puts the task where preflight and npm run ops look for it', async () => {
    const queue = cloudTaskQueue(getFunctions(app), REGION);
    const dueAt = new Date(Date.now() + 60_000).toISOString();
    expect(
      await queue.enqueue('escalateCall', { callId: 'call_2', dueAt }, 'escalate-call_2', 60),
    ).toBe('enqueued');
    expect(api.requests.at(-1)?.path).toBe(`/v2/${queuePath(target, 'escalateCall')}/tasks`);
    const client = cloudTasksClient(api.endpoint);
    const report = await queueReport(client, target, 'escalateCall');
    await client.close();
    expect(report).toMatchObject({
      found: true,
      state: 'RUNNING',
      depth: 1,
      oldest: { id: 'escalate-call_2', dispatchCount: 0 },
    });
    const due = Date.parse((report as { oldest: { scheduleTime: string } }).oldest.scheduleTime);
    expect(Math.abs(due - Date.parse(dueAt))).toBeLessThan(5_000);
  });

  it('says duplicate for a task id the queue already has (ALREADY_EXISTS)', async () => {
    const queue = cloudTaskQueue(getFunctions(app), REGION);
    expect(await queue.enqueue('purgeCall', { callId: 'call_3' }, 'purge-call_3-m1')).toBe(
      'enqueued',
    );
    expect(await queue.enqueue('purgeCall', { callId: 'call_3' }, 'purge-call_3-m1')).toBe(
      'duplicate',
    );
  });

  it('fails, rather than report the task enqueued, when the region has no such queue', async () => {
    const queue = cloudTaskQueue(getFunctions(app), 'us-central1');
    await expect(
      queue.enqueue('archiveCall', { callId: 'call_4' }, 'archive-call_4'),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^functions\//) });
    expect(api.requests.at(-1)?.path).toBe(
      '/v2/projects/my-plant/locations/us-central1/queues/archiveCall/tasks',
    );
  });

  it('refuses a region that is not one (FUNCTIONS_REGION blank) before sending anything', async () => {
    const sent = api.requests.length;
    expect(() => queueResource('', 'archiveCall')).toThrow(
      /Cloud Functions region such as europe-west1 \(FUNCTIONS_REGION\), not ""/,
    );
    await expect(
      cloudTaskQueue(getFunctions(app), '').enqueue(
        'archiveCall',
        { callId: 'call_5' },
        'archive-call_5',
      ),
    ).rejects.toThrow(/FUNCTIONS_REGION/);
    expect(api.requests.length).toBe(sent);
  });
});

describe('queueResource', () => {
  it("names the function as firebase-admin's taskQueue() takes it, and its Cloud Tasks queue", () => {
    expect(queueResource('europe-west1', 'archiveCall')).toEqual({
      function: 'locations/europe-west1/functions/archiveCall',
      queue: 'locations/europe-west1/queues/archiveCall',
    });
    expect(queueResource('northamerica-northeast1', 'purgeCall').queue).toBe(
      'locations/northamerica-northeast1/queues/purgeCall',
    );
    expect(() => queueResource('europe-west1/functions/x', 'archiveCall')).toThrow(
      /FUNCTIONS_REGION/,
    );
  });
});

describe('cloudTaskQueue against the tasks emulator (the local stack)', () => {
  const PROJECT = 'demo-aurora';
  let emulator: Awaited<ReturnType<typeof startTasksEmulator>>;
  let app: App;
  let restoreEnv: () => void;

  beforeAll(async () => {
    emulator = await startTasksEmulator(PROJECT, REGION, 'archiveCall');
    app = initializeApp(
      { projectId: PROJECT, serviceAccountId: SERVICE_ACCOUNT, credential },
      'task-queue-emulator',
    );
  });
  afterAll(async () => {
    await deleteApp(app);
    await emulator.stop();
  });
  beforeEach(() => {
    restoreEnv = withEnv({ CLOUD_TASKS_EMULATOR_HOST: emulator.host });
  });
  afterEach(() => restoreEnv());

  it('reaches the queue the emulator keeps for the function in its region, and the task is dispatched to it', async () => {
    const queue = cloudTaskQueue(getFunctions(app), REGION);
    expect(await queue.enqueue('archiveCall', { callId: 'call_local' }, 'archive-call_local')).toBe(
      'enqueued',
    );
    await vi.waitFor(
      () =>
        expect(emulator.dispatched).toEqual([
          {
            queue: `queue:${PROJECT}-${REGION}-archiveCall`,
            body: { data: { callId: 'call_local' } },
          },
        ]),
      { timeout: 5_000, interval: 50 },
    );
  });

  it('is refused by the emulator in any other region (where a bare function name would go)', async () => {
    const queue = cloudTaskQueue(getFunctions(app), 'us-central1');
    await expect(
      queue.enqueue('archiveCall', { callId: 'call_elsewhere' }, 'archive-call_elsewhere'),
    ).rejects.toThrow(/non-existent queue/);
  });
});
