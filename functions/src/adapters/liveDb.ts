import type { Database } from 'firebase-admin/database';
import type { LiveDb } from '../ports';
import { withDeadline } from '../core/errors';

/**
 * LiveDb over the Admin SDK's Realtime Database client. The SDK waits for a lost connection
 * to come back rather than failing, so every operation has a deadline: a caller's turn must
 * not hang on the database, and a task must fail (and be retried) rather than stall.
 */
export function realtimeLiveDb(db: Database, deadlineMs = 3000): LiveDb {
  const timed = <T>(work: Promise<T>, what: string) =>
    withDeadline(work, deadlineMs, `realtime database ${what}`);
  return {
    get: async (path) => (await timed(db.ref(path).get(), 'read')).val() as unknown,
    update: (changes) => timed(db.ref().update(changes), 'write'),
    transact: async (path, next) => {
      const result = await timed(
        db.ref(path).transaction((current: unknown) => next(current ?? null), undefined, false),
        'transaction',
      );
      return { committed: result.committed, value: result.snapshot.val() as unknown };
    },
  };
}
