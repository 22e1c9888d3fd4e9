import * as logger from 'firebase-functions/logger';
import { firestoreArchive } from '../adapters/archiveStore';
import { adminApp, lazy } from '../adapters/firebaseApp';
import { realtimeLiveDb } from '../adapters/liveDb';
import { cloudTaskQueue } from '../adapters/taskQueue';
import { firestoreWorkers } from '../adapters/workers';
import type { Deps } from '../calls/deps';
import { readSettings } from '../config';
import { messageKeyFactory } from '../core/ids';
import { offlineResponder } from '../core/offlineResponder';

// Each SDK is required on first use, so a function that never touches Firestore never loads it.
const firestore = lazy(() => (require('firebase-admin/firestore') as typeof import('firebase-admin/firestore')).getFirestore(adminApp()));
const live = lazy(() => realtimeLiveDb((require('firebase-admin/database') as typeof import('firebase-admin/database')).getDatabase(adminApp())));
const queue = lazy(() => cloudTaskQueue((require('firebase-admin/functions') as typeof import('firebase-admin/functions')).getFunctions(adminApp())));
const archive = lazy(() => firestoreArchive(firestore()));
const workers = lazy(() => firestoreWorkers(firestore()));
const messageKey = messageKeyFactory();

/** The production dependencies, each built when a use case first reaches for it. */
export function productionDeps(): Deps {
  return {
    get live() {
      return live();
    },
    get archive() {
      return archive();
    },
    get queue() {
      return queue();
    },
    get workers() {
      return workers();
    },
    responder: offlineResponder,
    settings: readSettings(),
    clock: () => new Date(),
    messageKey,
    log: logger,
  };
}
