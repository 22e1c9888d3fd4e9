/**
 * The Firebase web SDK, connected to the local emulators when the page is served locally and to
 * the deployed project otherwise (its config comes from Hosting's reserved /__/firebase/init.json).
 */
import { initializeApp, type FirebaseOptions } from 'firebase/app';
import { connectAuthEmulator, getAuth } from 'firebase/auth';
import { connectDatabaseEmulator, getDatabase } from 'firebase/database';
import { connectFirestoreEmulator, getFirestore } from 'firebase/firestore';
import { connectFunctionsEmulator, getFunctions, httpsCallable } from 'firebase/functions';
import type { CallAction, CallControlResult, SiteSettings, VoiceTokenResult } from '@aurora/model';

/** The emulator ports firebase.json names; the demo project id needs no real credentials. */
const EMULATORS = { auth: 9099, database: 9000, firestore: 8080, functions: 5001 };
const LOCAL_PROJECT: FirebaseOptions = {
  apiKey: 'demo-api-key',
  projectId: 'demo-aurora',
  authDomain: 'demo-aurora.firebaseapp.com',
  databaseURL: 'https://demo-aurora-default-rtdb.firebaseio.com',
};

export const isLocal = (hostname: string) => hostname === '127.0.0.1' || hostname === 'localhost';

export async function connectFirebase() {
  const local = isLocal(location.hostname);
  const options = local
    ? LOCAL_PROJECT
    : ((await (await fetch('/__/firebase/init.json')).json()) as FirebaseOptions);
  const app = initializeApp(options);
  const auth = getAuth(app);
  const db = getDatabase(app);
  const firestore = getFirestore(app);
  const functions = getFunctions(
    app,
    (import.meta.env.VITE_FUNCTIONS_REGION as string | undefined) ?? 'us-central1',
  );
  if (local) {
    const host = location.hostname;
    connectAuthEmulator(auth, `http://${host}:${EMULATORS.auth}`, { disableWarnings: true });
    connectDatabaseEmulator(db, host, EMULATORS.database);
    connectFirestoreEmulator(firestore, host, EMULATORS.firestore);
    connectFunctionsEmulator(functions, host, EMULATORS.functions);
  }
  // `local`: against the emulators, where developer hints (npm commands) may be shown.
  return { auth, db, firestore, functions, local };
}

export type Firebase = Awaited<ReturnType<typeof connectFirebase>>;

/** What a supervisor can do to a live call: the callControl callable's payload, less the call id. */
export type CallActionOf = CallAction extends infer A
  ? A extends CallAction
    ? Omit<A, 'callId'>
    : never
  : never;

/** The callControl callable; it answers whether Twilio still had the call. */
export const callControl = (firebase: Firebase) =>
  httpsCallable<CallAction, CallControlResult>(firebase.functions, 'callControl');

/** A short-lived Twilio Access Token for this admin's browser voice (the Voice JavaScript SDK), admins only. */
export const voiceToken = (firebase: Firebase) =>
  httpsCallable<void, VoiceTokenResult>(firebase.functions, 'voiceToken');

/** The site's settings the dashboard needs before it shows a time: its time zone. */
export const siteSettings = (firebase: Firebase) =>
  httpsCallable<void, SiteSettings>(firebase.functions, 'siteSettings');
