/**
 * The Realtime Database adapter's paths kept at hand (adapters/liveDb.ts), on the local stack's
 * database: a transaction on one starts from the value at hand (one round trip, not a first guess
 * of null), still commits on the stored value when another client changed it, and the path is
 * let go a while after its last watcher.
 */
import { deleteApp } from 'firebase-admin/app';
import { getDatabase } from 'firebase-admin/database';
import { afterAll, describe, expect, it } from 'vitest';
import { realtimeLiveDb } from '../../functions/src/adapters/liveDb';
import { localAdminApp } from '../../scripts/lib/project.ts';
import { eventually, testClients } from '../helpers/stack';

// A client of its own, as an instance of the functions has: nothing else listens through it.
const app = localAdminApp('live-db-keeper');
const KEEP_FOR_MS = 300;
const live = realtimeLiveDb(getDatabase(app));
const other = testClients().db;
afterAll(() => deleteApp(app));

/** What a transaction's callback was handed, run after run, while it adds one. */
async function addOne(path: string): Promise<{ seen: unknown[]; value: unknown }> {
  const seen: unknown[] = [];
  const { value } = await live.transact(path, (current) => {
    seen.push(current);
    return typeof current === 'number' ? current + 1 : null;
  });
  return { seen, value };
}

describe('a path kept at hand', () => {
  it('is transacted from the value at hand: the callback runs once, on the stored value', async () => {
    const path = `keeper_test/${Date.now()}/count`;
    await other.ref(path).set(1);
    // Not kept: the SDK first guesses null, the server refuses it and sends the stored value.
    expect((await addOne(path)).seen).toEqual([null, 1]);
    const release = live.watch!(path);
    // The value comes with the listen: from then on there is no first guess.
    await eventually('the value at hand', async () => (await addOne(path)).seen.length === 1);
    const stored = (await other.ref(path).get()).val() as number;
    expect(await addOne(path)).toEqual({ seen: [stored], value: stored + 1 });
    release();
  });

  it('still commits on the stored value when another client changed it since', async () => {
    const path = `keeper_test/${Date.now()}/raced`;
    await other.ref(path).set(0);
    const release = live.watch!(path);
    for (let i = 0; i < 20; i++) {
      const stored = i * 10;
      await other.ref(path).set(stored);
      // Written elsewhere a moment ago: the value at hand may be the old one. The server's
      // compare-and-set refuses a transaction started on it, and it runs again.
      const { value } = await addOne(path);
      expect(value).toBe(stored + 1);
    }
    release();
    expect(
      await other
        .ref(path)
        .get()
        .then((s) => s.val()),
    ).toBe(191);
  });

  it('is let go with its last watcher, or a while after when one asked to keep it', async () => {
    const path = `keeper_test/${Date.now()}/linger`;
    await other.ref(path).set(1);
    const first = live.watch!(path);
    const second = live.watch!(path);
    await eventually('the value at hand', async () => (await addOne(path)).seen.length === 1);
    first();
    first(); // a second release by the same watcher changes nothing
    expect((await addOne(path)).seen).toHaveLength(1);
    second();
    expect((await addOne(path)).seen[0]).toBeNull();

    const kept = live.watch!(path, KEEP_FOR_MS);
    await eventually('the value at hand', async () => (await addOne(path)).seen.length === 1);
    kept();
    // Within the time asked for it is still at hand: the next fan-out's summary takes one round trip.
    expect((await addOne(path)).seen).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, KEEP_FOR_MS * 3));
    expect((await addOne(path)).seen[0]).toBeNull();
  });
});
