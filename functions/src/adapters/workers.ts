import type { Firestore } from 'firebase-admin/firestore';
import type { Caller, WorkerRegistry } from '../ports';
import { withDeadline } from '../core/errors';
import { collections, WorkerDoc } from '@aurora/model';

/** A call never waits longer than this for the registry; unknown callers are helped all the same. */
const READ_DEADLINE_MS = 1500;

/** Registry entries are reused this long per instance, so a turn does not wait on Firestore for them. */
const CACHE_MS = 60_000;

export function firestoreWorkers(
  firestore: Firestore,
  now: () => number = Date.now,
): WorkerRegistry {
  const cache = new Map<string, { at: number; caller: Caller | null }>();
  const lookUp = async (phone: string): Promise<Caller | null> => {
    const doc = await withDeadline(
      firestore.collection(collections.workers).doc(phone).get(),
      READ_DEADLINE_MS,
      'worker lookup',
    );
    const parsed = WorkerDoc.safeParse(doc.data());
    if (!parsed.success) return null;
    const { worker_id, name, site, zone, language } = parsed.data;
    return { workerId: worker_id, name, site, zone, ...(language ? { language } : {}) };
  };
  return {
    findByPhone: async (phone) => {
      if (!/^\+?\d{4,16}$/.test(phone)) return null;
      const hit = cache.get(phone);
      if (hit && now() - hit.at < CACHE_MS) return hit.caller;
      const caller = await lookUp(phone);
      cache.set(phone, { at: now(), caller });
      return caller;
    },
  };
}
