/**
 * Queue operations through the real @google-cloud/tasks client (REST transport) against the
 * Cloud Tasks stand-in, and the `npm run ops` command itself.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../../scripts/lib/project.ts';
import {
  cloudTasksClient,
  formatQueueReport,
  queuePath,
  queueReport,
  summarizeQueue,
  tasksError,
} from '../../../scripts/lib/queues.ts';
import { CloudTasksApiServer } from '../../../scripts/lib/tasks-api.ts';

const target = { projectId: 'my-plant', region: 'europe-west1' };
const parent = `projects/${target.projectId}/locations/${target.region}`;
const api = new CloudTasksApiServer();
const ran: string[] = [];

beforeAll(async () => {
  await api.start();
  api
    .addQueue(parent, 'archiveCall')
    .addQueue(parent, 'purgeCall')
    .addQueue(parent, 'escalateCall', 'PAUSED');
  api.addTask(`${parent}/queues/archiveCall`, 'archive-call_aaaa', {
    scheduleTime: '2026-11-27T09:00:00.000Z',
    dispatchCount: 4,
    lastAttempt: { responseStatus: { code: 13, message: 'INTERNAL' } },
  });
  api.addTask(`${parent}/queues/archiveCall`, 'archive-call_bbbb', {
    scheduleTime: '2026-11-27T09:05:00.000Z',
  });
  api.addTask(`${parent}/queues/escalateCall`, 'escalate-call_cccc', {
    scheduleTime: '2026-11-27T09:01:00.000Z',
  });
  api.dispatch = async (task) => {
    ran.push(task.name.split('/').pop()!);
    return true;
  };
});
afterAll(() => api.stop());

const ops = (...args: string[]) =>
  promisify(execFile)(process.execPath, [
    join(ROOT, 'scripts', 'ops.ts'),
    ...args,
    '--project',
    target.projectId,
    '--region',
    target.region,
    '--tasks-api',
    api.endpoint,
  ]).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      out: e.stdout + e.stderr,
    }),
  );

describe('the queues', () => {
  it("authenticate the stand-in's client through the google-auth-library of the client's own google-gax", async () => {
    // npm may hoist another package's google-gax and google-auth-library (with @google-cloud/tasks 7 it
    // does): a credential-less client of that copy is a stranger to the transport that sends the requests.
    const gax = createRequire(
      createRequire(import.meta.url).resolve('@google-cloud/tasks'),
    ).resolve('google-gax');
    const { AuthClient } = createRequire(gax)('google-auth-library') as {
      AuthClient: abstract new (...args: never[]) => unknown;
    };
    const client = cloudTasksClient(api.endpoint);
    expect(client.auth).toBeInstanceOf(AuthClient);
    await client.close();
  });

  it('are read with their state, depth and oldest task through the Cloud Tasks client', async () => {
    const client = cloudTasksClient(api.endpoint);
    const archive = await queueReport(client, target, 'archiveCall');
    expect(archive).toEqual({
      queue: 'archiveCall',
      found: true,
      state: 'RUNNING',
      depth: 2,
      retrying: 1,
      truncated: false,
      oldest: {
        id: 'archive-call_aaaa',
        scheduleTime: '2026-11-27T09:00:00.000Z',
        createTime: expect.any(String),
        dispatchCount: 4,
        responseCount: 0,
        lastStatus: '13 INTERNAL',
      },
    });
    expect(await queueReport(client, target, 'escalateCall')).toMatchObject({
      state: 'PAUSED',
      depth: 1,
    });
    expect(await queueReport(client, { ...target, region: 'us-central1' }, 'archiveCall')).toEqual({
      queue: 'archiveCall',
      found: false,
      problem: 'queue archiveCall does not exist in us-central1',
    });
    await client.close();
  });

  it('refuse as Cloud Tasks does: NOT_FOUND for a finished task, FAILED_PRECONDITION for a task call on a missing queue', async () => {
    const client = cloudTasksClient(api.endpoint);
    const gone = await client
      .getTask({ name: `${queuePath(target, 'archiveCall')}/tasks/archive-call_done` })
      .catch((e: unknown) => e);
    expect(tasksError(gone).status).toBe('NOT_FOUND');
    const noQueue = await client
      .runTask({
        name: `${queuePath({ ...target, region: 'us-east1' }, 'archiveCall')}/tasks/archive-call_aaaa`,
      })
      .catch((e: unknown) => e);
    expect(tasksError(noQueue)).toEqual({
      status: 'FAILED_PRECONDITION',
      message: 'Queue does not exist.',
    });
    await client.close();
  });

  it('print one line each, saying what is wrong', () => {
    const now = Date.parse('2026-11-27T09:10:00Z');
    const report = summarizeQueue(
      'archiveCall',
      'RUNNING',
      [
        {
          id: 'archive-x',
          scheduleTime: '2026-11-27T09:00:00.000Z',
          createTime: null,
          dispatchCount: 3,
          responseCount: 3,
          lastStatus: null,
        },
      ],
      false,
    );
    expect(formatQueueReport(report, now)).toBe(
      'archiveCall   RUNNING  1 task; oldest archive-x, due 2026-11-27T09:00:00.000Z (10 min ago), 3 attempts; 1 retrying',
    );
    expect(formatQueueReport(summarizeQueue('purgeCall', 'PAUSED', [], false), now)).toBe(
      'purgeCall     PAUSED   empty (nothing is dispatched while PAUSED: gcloud tasks queues resume purgeCall --location <region>)',
    );
  });
});

describe('npm run ops', () => {
  it('queues: every queue, and a non-zero exit when one is paused', async () => {
    const { code, out } = await ops('queues');
    expect(code).toBe(1);
    expect(out).toContain('Queues of my-plant in europe-west1:');
    expect(out).toMatch(/archiveCall {3}RUNNING {2}2 tasks; oldest archive-call_aaaa/);
    expect(out).toContain('purgeCall     RUNNING  empty');
    expect(out).toContain('escalateCall  PAUSED   1 task');
  });

  it('task: one task, its queue found from its id', async () => {
    const { code, out } = await ops('task', 'archive-call_aaaa');
    expect(code).toBe(0);
    expect(out).toContain('task archive-call_aaaa in archiveCall');
    expect(out).toContain('attempts   4 dispatched, 0 answered');
    expect(out).toContain('last       13 INTERNAL');
  });

  it('run: dispatches a task now, even on a paused queue, and says so', async () => {
    const { code, out } = await ops('run', 'escalate-call_cccc');
    expect(out).toContain('Dispatched escalate-call_cccc in escalateCall now (attempt 1)');
    expect(code).toBe(0);
    expect(ran).toEqual(['escalate-call_cccc']);
    expect(api.task(`${parent}/queues/escalateCall/tasks/escalate-call_cccc`)).toBeUndefined();
  });

  it('run: a finished task and a missing queue are explained, not dumped', async () => {
    const finished = await ops('run', 'escalate-call_cccc');
    expect(finished).toEqual({
      code: 1,
      out: expect.stringContaining(
        'No task escalate-call_cccc in escalateCall: it already succeeded or permanently failed',
      ),
    });
    const wrongRegion = await promisify(execFile)(process.execPath, [
      join(ROOT, 'scripts', 'ops.ts'),
      'task',
      'purge-call_x-m1',
      '--project',
      'my-plant',
      '--region',
      'asia-south1',
      '--tasks-api',
      api.endpoint,
    ]).catch((e: { stderr: string }) => e);
    expect((wrongRegion as { stderr: string }).stderr).toContain(
      'Queue purgeCall does not exist in asia-south1',
    );
  });

  it('refuses the local demo project, whose tasks emulator has no queue API, with the reason', async () => {
    const result = await promisify(execFile)(process.execPath, [
      join(ROOT, 'scripts', 'ops.ts'),
      'queues',
      '--project',
      'demo-aurora',
    ]).catch((e: { code: number; stderr: string }) => e);
    expect((result as { stderr: string }).stderr).toContain(
      'the Firebase tasks emulator serves only enqueue and delete',
    );
  });
});
