import type { Database } from 'firebase-admin/database';
import type { LiveDb } from '../calls/deps';

/** LiveDb over the Admin SDK's Realtime Database client. */
export function realtimeLiveDb(db: Database): LiveDb {
  return {
    get: async (path) => (await db.ref(path).get()).val() as unknown,
    update: (changes) => db.ref().update(changes),
    create: async (path, value) => {
      const result = await db.ref(path).transaction((current: unknown) => (current === null ? value : undefined), undefined, false);
      return result.committed;
    },
  };
}
