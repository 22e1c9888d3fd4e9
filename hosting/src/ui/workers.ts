/** Worker names by phone number, from the Firestore registry: the alarm, the live view and History name callers alike. */
import { doc, getDoc } from 'firebase/firestore';
import { collections } from '@aurora/model';
import type { Firebase } from '../firebase';

/** The names read so far on this page, and the views to redraw when one arrives. */
type Registry = { names: Map<string, string | null>; listeners: Set<() => void> };
const registries = new WeakMap<Firebase, Registry>();

/**
 * A lookup that reads each number's registry entry once per page load, shared by every view
 * (the alarm banner and the open tab name the same callers), and calls `onName` when a name
 * arrives. `stop` when the view goes.
 */
export function workerNames(firebase: Firebase, onName: () => void) {
  let registry = registries.get(firebase);
  if (!registry) registries.set(firebase, (registry = { names: new Map(), listeners: new Set() }));
  const { names, listeners } = registry;
  listeners.add(onName);
  const lookup = (phone: string): string | null => {
    if (!names.has(phone)) {
      names.set(phone, null);
      getDoc(doc(firebase.firestore, collections.workers, phone))
        .then((snap) => {
          const name = snap.get('name') as unknown;
          if (typeof name !== 'string') return;
          names.set(phone, name);
          for (const listener of listeners) listener();
        })
        .catch(() => {}); // the number alone still identifies the caller
    }
    return names.get(phone) ?? null;
  };
  return Object.assign(lookup, { stop: () => listeners.delete(onName) });
}

export type NameOf = ReturnType<typeof workerNames>;
