import type { Database } from 'firebase-admin/database';
import type { LiveDb } from '../ports';
import { withDeadline } from '../core/errors';

/**
 * How long a path stays at hand after its last watcher let it go: long enough for the next turn
 * of the same call on the same instance (a caller answers within seconds) to open in one round trip.
 */
export const KEEP_AT_HAND_MS = 60_000;

/**
 * The listeners keeping watched paths at hand on one database client, shared by the requests an
 * instance serves at once, each removed a while after the last request let it go. A value kept
 * past its request may be stale when the next one begins (an idle instance gets little CPU):
 * a transaction started on it is refused by the server's compare-and-set and runs again on the
 * stored value, so only a transaction's abort sees it, and takeTurn aborts only on what never
 * reverts (a purge begun, a turn answered).
 */
class Keeper {
  private readonly kept = new Map<string, { watchers: number; timer?: NodeJS.Timeout }>();
  private readonly noop = () => {};

  constructor(
    private readonly db: Database,
    private readonly lingerMs: number,
  ) {}

  keep(path: string): () => void {
    let entry = this.kept.get(path);
    if (!entry) {
      const added = { watchers: 0 };
      this.kept.set(path, added);
      // A listen the database refuses leaves nothing at hand: transactions take two round trips, as without it.
      this.db.ref(path).on('value', this.noop, () => {
        if (this.kept.get(path) === added) this.kept.delete(path);
      });
      entry = added;
    }
    clearTimeout(entry.timer);
    entry.watchers++;
    const held = entry;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--held.watchers > 0) return;
      held.timer = setTimeout(() => {
        // Not ours to remove if the database cancelled it and a later watcher listened anew.
        if (this.kept.get(path) !== held) return;
        this.kept.delete(path);
        this.db.ref(path).off('value', this.noop);
      }, this.lingerMs);
      held.timer.unref();
    };
  }
}

const keepers = new WeakMap<Database, Keeper>();
const keeperOf = (db: Database, lingerMs: number): Keeper => {
  let keeper = keepers.get(db);
  if (!keeper) keepers.set(db, (keeper = new Keeper(db, lingerMs)));
  return keeper;
};

/**
 * LiveDb over the Admin SDK's Realtime Database client. The SDK waits for a lost connection
 * to come back rather than failing, so every operation has a deadline: a caller's turn must
 * not hang on the database, and a task must fail (and be retried) rather than stall.
 */
export function realtimeLiveDb(
  db: Database,
  deadlineMs = 3000,
  /** How long a watched path stays at hand after its last watcher let it go (tests shorten it). */
  keepAtHandMs = KEEP_AT_HAND_MS,
): LiveDb {
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
    watch: (path) => keeperOf(db, keepAtHandMs).keep(path),
  };
}
