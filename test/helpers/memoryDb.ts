/**
 * An in-memory Realtime Database behind the LiveDb port: paths, multi-path updates that prune
 * emptied parents, and transactions that first guess null, as the real one does. For fast tests
 * of the use cases' flow; the integration tests run the same use cases against the stack.
 */
import type { LiveDb } from '../../functions/src/ports';

type Tree = Record<string, unknown>;

const segments = (path: string) => path.split('/').filter(Boolean);

function getAt(root: Tree, path: string): unknown {
  let node: unknown = root;
  for (const key of segments(path)) {
    if (node === null || typeof node !== 'object') return null;
    node = (node as Tree)[key];
  }
  return node ?? null;
}

/** Sets a value, pruning emptied parents as the Realtime Database does. */
function setAt(root: Tree, path: string, value: unknown) {
  const keys = segments(path);
  const trail: Tree[] = [root];
  let node = root;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Tree;
    trail.push(node);
  }
  const last = keys.at(-1)!;
  if (value === null || value === undefined) delete node[last];
  else node[last] = structuredClone(value);
  for (let i = keys.length - 1; i > 0; i--) {
    if (Object.keys(trail[i]).length === 0) delete trail[i - 1][keys[i - 1]];
  }
}

export class MemoryLiveDb implements LiveDb {
  tree: Tree = {};
  failNextUpdates = 0;
  async get(path: string) {
    return structuredClone(getAt(this.tree, path));
  }
  async update(changes: Record<string, unknown>) {
    if (this.failNextUpdates > 0) {
      this.failNextUpdates--;
      throw new Error('database unavailable');
    }
    for (const [path, value] of Object.entries(changes)) setAt(this.tree, path, value);
  }
  /** Like the Realtime Database: a first guess of null, then the stored value if that guess was wrong. */
  async transact(path: string, next: (current: unknown) => unknown) {
    const stored = getAt(this.tree, path);
    let value = next(null);
    if (value !== undefined && stored !== null) value = next(structuredClone(stored));
    if (value === undefined) return { committed: false, value: structuredClone(stored) };
    setAt(this.tree, path, value);
    return { committed: true, value: structuredClone(value) };
  }
}

/**
 * The live records left in the tree: everything but the call id reservations and the CallSid
 * index, which outlive a call by design (a day: the tombstones that make replays change
 * nothing), and the hourly usage counters of the cost ceilings.
 */
export function liveRecords(tree: Tree): Tree {
  return Object.fromEntries(
    Object.entries(tree).filter(([key]) => !['call_ids', 'call_sids', 'usage'].includes(key)),
  );
}

/** `live` with some of its operations replaced; the others go through to it. */
export const liveWith = (live: LiveDb, own: Partial<LiveDb>): LiveDb => ({
  get: (path) => live.get(path),
  update: (changes) => live.update(changes),
  transact: (path, next) => live.transact(path, next),
  ...own,
});

/** The database refusing its next `count` operations of one kind with `error` (the others go on). */
export function refusing(
  live: LiveDb,
  op: 'get' | 'transact',
  count: number,
  error = 'database unavailable',
): LiveDb {
  let left = count;
  const refused = () => left-- > 0;
  const fail = () => Promise.reject(new Error(error));
  return op === 'get'
    ? liveWith(live, { get: (path) => (refused() ? fail() : live.get(path)) })
    : liveWith(live, {
        transact: (path, next) => (refused() ? fail() : live.transact(path, next)),
      });
}
