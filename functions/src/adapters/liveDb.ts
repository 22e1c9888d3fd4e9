import type { Database } from 'firebase-admin/database';
import type { LiveDb } from '../calls/deps';

/** LiveDb over the Admin SDK's Realtime Database client. */
export function realtimeLiveDb(db: Database): LiveDb {
  return {
    get: async (path) => (await db.ref(path).get()).val() as unknown,
    update: (changes) => db.ref().update(changes),
    transact: async (path, next) => {
      const result = await db.ref(path).transaction((current: unknown) => next(current ?? null), undefined, false);
      return result.committed;
    },
  };
}
