/** Worker names by phone number, from the Firestore registry: the live view and History name callers alike. */
import { doc, getDoc } from 'firebase/firestore';
import { collections } from '../../../functions/src/model/paths';
import type { Firebase } from '../firebase';

/** A lookup that reads each number's registry entry once per page load, and calls `onName` when a name arrives. */
export function workerNames(firebase: Firebase, onName: () => void) {
  const names = new Map<string, string | null>();
  return (phone: string): string | null => {
    if (!names.has(phone)) {
      names.set(phone, null);
      getDoc(doc(firebase.firestore, collections.workers, phone))
        .then((snap) => {
          const name = snap.get('name') as unknown;
          if (typeof name === 'string') {
            names.set(phone, name);
            onName();
          }
        })
        .catch(() => {}); // the number alone still identifies the caller
    }
    return names.get(phone) ?? null;
  };
}

export type NameOf = ReturnType<typeof workerNames>;
