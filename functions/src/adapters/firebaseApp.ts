import { getApps, initializeApp, type App } from 'firebase-admin/app';

/** The default Admin app; in the emulators FIREBASE_CONFIG and the *_EMULATOR_HOST vars point it locally. */
export function adminApp(): App {
  return getApps()[0] ?? initializeApp();
}

/** Memoizes a factory, so a heavy SDK is loaded by the first function that needs it, not at cold start. */
export function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
