/**
 * A supervisor signed in to the local stack with the Firebase web SDK, calling the callables as
 * the dashboard does (hosting/src/firebase.ts): signed in with the Auth emulator, whose ID token
 * carries the `admin` claim, and sent with every request to the functions emulator. No browser.
 */
import { deleteApp, initializeApp } from 'firebase/app';
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword } from 'firebase/auth';
import { connectFunctionsEmulator, getFunctions, httpsCallable } from 'firebase/functions';
import type { CallAction, CallControlResult } from '@aurora/model';
import { PORTS, PROJECT_ID } from '../../scripts/lib/project.ts';

let sessions = 0;

export type AdminSession = Awaited<ReturnType<typeof adminSession>>;

/** Signs `email` in; `control` is the dashboard's callControl. Close it when done. */
export async function adminSession(email: string, password: string) {
  const app = initializeApp(
    { apiKey: 'demo-api-key', projectId: PROJECT_ID, authDomain: `${PROJECT_ID}.firebaseapp.com` },
    `supervisor-${++sessions}`,
  );
  const auth = getAuth(app);
  connectAuthEmulator(auth, `http://127.0.0.1:${PORTS.auth}`, { disableWarnings: true });
  // The local stack's functions run in the default region (the dashboard's VITE_FUNCTIONS_REGION locally).
  const functions = getFunctions(app, 'us-central1');
  connectFunctionsEmulator(functions, '127.0.0.1', PORTS.functions);
  const { user } = await signInWithEmailAndPassword(auth, email, password);
  const callControl = httpsCallable<CallAction, CallControlResult>(functions, 'callControl');
  return {
    uid: user.uid,
    /** Named as the functions name admins: by email. */
    id: email,
    control: async (action: CallAction) => (await callControl(action)).data,
    close: () => deleteApp(app),
  };
}
