/**
 * Granting and revoking the `admin` custom claim, and keeping the admin directory
 * (admins/{uid} in the Realtime Database and in Firestore). The fan-out alerts the admins in
 * the directory; both databases' rules and the admin callable require the claim and the
 * entry, so revoking (which removes the entry) takes effect at once, not when the ID token
 * with the claim expires.
 */
import type { Auth } from 'firebase-admin/auth';
import type { Database } from 'firebase-admin/database';
import type { Firestore } from 'firebase-admin/firestore';
import { collections, paths } from '@aurora/model';

export type Accounts = { auth: Auth; db: Database; firestore: Firestore };

/** Firestore's copy of the directory, which firestore.rules reads (rules cannot read the Realtime Database). */
const directoryDoc = (firestore: Firestore, uid: string) =>
  firestore.collection(collections.admins).doc(uid);

/** The demo admin `npm start` and the tests sign in as (local emulators only). */
export const DEMO_ADMIN = { email: 'admin@aurora.local', password: 'aurora-demo-admin' };

/**
 * Gives `email` the admin claim, keeping their other claims. With a password, a missing
 * account is created first (for the local emulators and first-time setup).
 */
export async function grantAdmin(
  { auth, db, firestore }: Accounts,
  email: string,
  password?: string,
): Promise<string> {
  const user = await auth.getUserByEmail(email).catch(async (err: { code?: string }) => {
    if (err.code !== 'auth/user-not-found' || !password) throw err;
    return auth.createUser({ email, password, emailVerified: true });
  });
  await auth.setCustomUserClaims(user.uid, { ...user.customClaims, admin: true });
  await Promise.all([
    db.ref(paths.admin(user.uid)).set({ email }),
    directoryDoc(firestore, user.uid).set({ email }),
  ]);
  return user.uid;
}

/**
 * Takes the admin out of the directory (both databases' rules and the callable refuse them at
 * once; an open dashboard closes its live view within seconds), takes the claim away and
 * revokes their sessions.
 */
export async function revokeAdmin(
  { auth, db, firestore }: Accounts,
  email: string,
): Promise<string> {
  const user = await auth.getUserByEmail(email);
  const claims = { ...user.customClaims };
  delete claims.admin;
  await Promise.all([
    db.ref().update({
      [paths.admin(user.uid)]: null,
      [paths.adminPushTokens(user.uid)]: null,
      [paths.adminAlerts(user.uid)]: null,
    }),
    directoryDoc(firestore, user.uid).delete(),
  ]);
  await auth.setCustomUserClaims(user.uid, claims);
  await auth.revokeRefreshTokens(user.uid);
  return user.uid;
}

export async function listAdmins(auth: Auth): Promise<string[]> {
  const emails: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await auth.listUsers(1000, pageToken);
    for (const user of page.users)
      if (user.customClaims?.admin === true) emails.push(user.email ?? user.uid);
    pageToken = page.pageToken;
  } while (pageToken);
  return emails;
}
