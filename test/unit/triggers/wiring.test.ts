/**
 * The production wiring hands the task queue adapter the functions' own region, FUNCTIONS_REGION
 * (the param index.ts deploys every function to): productionDeps()'s queue, with the real
 * firebase-admin client, reaches the tasks emulator's queue of a function in europe-west1.
 */
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { productionDeps } from '../../../functions/src/triggers/wiring';
import { startTasksEmulator, withEnv } from '../../helpers/tasksEmulator';

const PROJECT = 'demo-aurora';
let emulator: Awaited<ReturnType<typeof startTasksEmulator>>;
let app: App;
let restoreEnv: () => void;

beforeAll(async () => {
  emulator = await startTasksEmulator(PROJECT, 'europe-west1', 'archiveCall');
  restoreEnv = withEnv({
    FUNCTIONS_REGION: 'europe-west1',
    CLOUD_TASKS_EMULATOR_HOST: emulator.host,
  });
  // The default app, which adminApp() takes; a project and an account, so nothing asks a metadata server.
  app = initializeApp({
    projectId: PROJECT,
    serviceAccountId: '123-compute@developer.gserviceaccount.com',
    credential: { getAccessToken: async () => ({ access_token: 'test-token', expires_in: 3600 }) },
  });
});
afterAll(async () => {
  restoreEnv();
  await deleteApp(app);
  await emulator.stop();
});

describe('productionDeps', () => {
  it("enqueues to the task queue in the functions' region (FUNCTIONS_REGION)", async () => {
    expect(
      await productionDeps().queue.enqueue(
        'archiveCall',
        { callId: 'call_wired' },
        'archive-call_wired',
      ),
    ).toBe('enqueued');
    await vi.waitFor(
      () =>
        expect(emulator.dispatched).toEqual([
          {
            queue: `queue:${PROJECT}-europe-west1-archiveCall`,
            body: { data: { callId: 'call_wired' } },
          },
        ]),
      { timeout: 5_000, interval: 50 },
    );
  });
});
