import type { Firestore } from 'firebase-admin/firestore';
import { withDeadline } from '../core/errors';
import type { Log } from '../core/log';
import type { ProcedureLibrary } from '../ports';
import { collections, Procedure } from '@aurora/model';
import { DEMO_PROCEDURES } from '../assistant/procedures';

// The demo set lives with the assistant, which answers with it when nothing else can be read
// (the webhook's deadline answer); this library falls back to it too.

const CACHE_MS = 5 * 60_000;
/** A turn never waits longer than this for the procedures. */
const READ_DEADLINE_MS = 1500;

/**
 * procedures/ in Firestore, read at most every five minutes per instance (a turn must not wait
 * on it). An empty or unreadable collection falls back to the last good copy, then the demo set.
 */
export function firestoreProcedures(
  firestore: Firestore,
  log: Log,
  now: () => number = Date.now,
): ProcedureLibrary {
  let cached: { at: number; procedures: Procedure[] } | null = null;
  return {
    all: async () => {
      if (cached && now() - cached.at < CACHE_MS) return cached.procedures;
      try {
        const snapshot = await withDeadline(
          firestore.collection(collections.procedures).get(),
          READ_DEADLINE_MS,
          'procedures read',
        );
        const procedures = snapshot.docs.flatMap((doc) => {
          const parsed = Procedure.safeParse({ id: doc.id, ...doc.data() });
          if (!parsed.success) log.warn('skipped a malformed procedure', { id: doc.id });
          return parsed.success ? [parsed.data] : [];
        });
        cached = { at: now(), procedures: procedures.length > 0 ? procedures : DEMO_PROCEDURES };
      } catch (err) {
        log.error('procedures unavailable: using the last known set', { error: String(err) });
        cached = { at: now(), procedures: cached?.procedures ?? DEMO_PROCEDURES };
      }
      return cached.procedures;
    },
  };
}
