import type { Database } from 'firebase-admin/database';
import type { LiveDb } from '../ports';
import { withDeadline } from '../core/errors';

/**
 * The listeners keeping watched paths at hand on one database client, shared by the requests an
 * instance serves at once. A path is let go when its last watcher lets go of it, or a while after
 * if a watcher asked to keep it (`keepForMs`). A value kept past a request may be stale when the
 * next one begins (an idle instance gets little CPU, so the server's pushes wait): a transaction
 * started on it is refused by the server's compare-and-set and runs again on the stored value,
 * but a callback that aborts, and a read, act on it as it is. So only paths whose transactions
 * abort on what never reverts are kept past their request (the live summary: a removed call's
 * tombstone), and none is read.
 */
class Keeper {
  private readonly kept = new Map<
    string,
    { watchers: number; keepForMs: number; timer?: NodeJS.Timeout }
  >();
  private readonly noop = () => {};

  constructor(private readonly db: Database) {}

  keep(path: string, keepForMs: number): () => void {
    let entry = this.kept.get(path);
    if (!entry) {
      const added = { watchers: 0, keepForMs: 0 };
      this.kept.set(path, added);
      // A listen the database refuses leaves nothing at hand: transactions take two round trips, as without it.
      this.db.ref(path).on('value', this.noop, () => {
        if (this.kept.get(path) === added) this.kept.delete(path);
      });
      entry = added;
    }
    clearTimeout(entry.timer);
    entry.watchers++;
    entry.keepForMs = Math.max(entry.keepForMs, keepForMs);
    const held = entry;
    const letGo = () => {
      // Not ours to remove if the database cancelled it and a later watcher listened anew.
      if (this.kept.get(path) !== held || held.watchers > 0) return;
      this.kept.delete(path);
      this.db.ref(path).off('value', this.noop);
    };
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--held.watchers > 0) return;
      if (held.keepForMs === 0) return letGo();
      held.timer = setTimeout(letGo, held.keepForMs);
      held.timer.unref();
    };
  }
}

const keepers = new WeakMap<Database, Keeper>();
const keeperOf = (db: Database): Keeper => {
  let keeper = keepers.get(db);
  if (!keeper) keepers.set(db, (keeper = new Keeper(db)));
  return keeper;
};

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
    watch: (path, keepForMs = 0) => keeperOf(db).keep(path, keepForMs),
  };
}
