/**
 * The official Firestore emulator (Debian's gcloud package), started directly rather than by
 * firebase-tools, which wants Java 21 for it; with firestore.rules enforced.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { stopChild, track, waitFor } from './processes.ts';
import { PROJECT_ID, ROOT } from './project.ts';

const FIRESTORE_JAR =
  process.env.FIRESTORE_EMULATOR_JAR ??
  '/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar';

/** Whether the official emulator is installed; without it the stack has firebase-tools run its own. */
export const firestoreEmulatorInstalled = () => existsSync(FIRESTORE_JAR);

export type RunningFirestore = { process: ChildProcess; stop: () => Promise<void> };

export async function startFirestoreEmulator(port: number): Promise<RunningFirestore> {
  const child = spawn(
    'java',
    [
      '-cp',
      FIRESTORE_JAR,
      'com.google.cloud.datastore.emulator.firestore.CloudFirestore',
      'start',
      '--host=127.0.0.1',
      `--port=${port}`,
      `--project_id=${PROJECT_ID}`,
      '--single_project_mode=true',
      `--rules=${join(ROOT, 'firestore.rules')}`,
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stop = () => stopChild(child, 'SIGTERM', 3000);
  try {
    const watch = track(child, 'firestore', false);
    await waitFor(
      'Firestore emulator',
      async () => (await fetch(`http://127.0.0.1:${port}/`)).ok,
      60_000,
      watch.died,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { process: child, stop };
}
