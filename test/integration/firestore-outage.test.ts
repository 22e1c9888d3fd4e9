/**
 * Firestore going down during archival, for real: a Firestore emulator of this test's own is
 * stopped before the archive task runs and started again before the retry.
 */
import { controlCall } from '../../functions/src/calls/controlCall';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { afterAll, describe, expect, it } from 'vitest';
import { firestoreArchive } from '../../functions/src/adapters/archiveStore';
import { archiveCall } from '../../functions/src/calls/archival';
import { handleStatus } from '../../functions/src/calls/endCall';
import { startCall } from '../../functions/src/calls/startCall';
import { takeTurn } from '../../functions/src/calls/takeTurn';
import { callIds } from '../../functions/src/core/ids';
import { CallTaskBody, callTaskHandler } from '../../functions/src/triggers/tasks';
import {
  startFirestoreEmulator,
  type RunningFirestore,
} from '../../scripts/lib/firestore-emulator.ts';
import { localAdminApp } from '../../scripts/lib/project.ts';
import { SETTINGS } from '../helpers/fixtures';
import { realDeps, testClients } from '../helpers/stack';

const { db } = testClients();

const PORT = 8181;

/** A Firestore client for this test's own emulator (the env var would otherwise win over settings). */
function firestoreAt(port: number): Firestore {
  const app = localAdminApp(`outage-${Date.now()}`);
  const saved = process.env.FIRESTORE_EMULATOR_HOST;
  delete process.env.FIRESTORE_EMULATOR_HOST;
  const firestore = getFirestore(app);
  firestore.settings({ host: `127.0.0.1:${port}`, ssl: false });
  process.env.FIRESTORE_EMULATOR_HOST = saved;
  return firestore;
}

/** Re-runs a failing task as the queue's retryConfig would (1 s, doubling); returns the attempts used. */
async function retryLikeCloudTasks(task: () => Promise<void>, maxAttempts = 8): Promise<number> {
  for (let attempt = 1, backoff = 1000; ; attempt++, backoff = Math.min(backoff * 2, 8000)) {
    try {
      await task();
      return attempt;
    } catch (err) {
      if (attempt >= maxAttempts) throw err;
      await new Promise((r) => setTimeout(r, backoff));
    }
  }
}

let emulator: RunningFirestore | null = null;
afterAll(async () => {
  await emulator?.stop();
});

describe('Firestore down during archival', () => {
  it('fails the archive task so it is retried, purges nothing, and completes once Firestore is back', async () => {
    emulator = await startFirestoreEmulator(PORT);
    const firestore = firestoreAt(PORT);
    const { deps, queue, clock } = realDeps({
      archive: firestoreArchive(firestore),
      workers: { findByPhone: async () => null },
    });
    const from = `+1333${Date.now() % 1e7}`;
    const callSid = `CA${Date.now().toString(16).padStart(32, 'a')}`;
    await startCall({ callSid, from }, deps);
    const { callId, conversationId } = callIds(from, clock(), SETTINGS.timeZone);
    await takeTurn({ callSid, speech: 'smoke in the warehouse', silentTurns: 0 }, deps);
    await controlCall({ action: 'ack', callId }, { id: 'ana@site.example' }, deps); // a CRITICAL call stays live until a supervisor has seen it
    await handleStatus({ callSid, callStatus: 'completed' }, deps);
    const [archiveTask] = queue.drain();
    const runArchive = callTaskHandler('archiveCall', CallTaskBody, archiveCall, () => deps);

    await emulator.stop();
    await expect(runArchive({ data: { callId: archiveTask.callId } })).rejects.toThrow();
    expect(queue.tasks).toEqual([]);
    expect((await db.ref(`active_calls/${callId}`).get()).exists()).toBe(true);
    expect(
      (await db.ref(`active_conversations/${conversationId}/messages`).get()).numChildren(),
    ).toBe(3);

    emulator = await startFirestoreEmulator(PORT);
    // Cloud Tasks retries with backoff; the SDK's channel reconnects on its own backoff meanwhile.
    const attempts = await retryLikeCloudTasks(() =>
      runArchive({ data: { callId: archiveTask.callId } }),
    );
    expect(attempts).toBeGreaterThanOrEqual(1);
    expect(queue.tasks).toEqual([]); // archived, verified and purged in the one task
    expect(
      (await firestore.collection('conversations').doc(conversationId).get()).get('total_messages'),
    ).toBe(3);
    expect((await db.ref(`active_calls/${callId}`).get()).exists()).toBe(false);
  }, 120_000);
});
