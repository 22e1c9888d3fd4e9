/**
 * Granting and revoking the `admin` custom claim, which the rules and the admin functions
 * check, and keeping the directory of admins (admins/{uid} in the Realtime Database) that the
 * fan-out sends alerts to.
 */
import type { Auth } from 'firebase-admin/auth';
import type { Database } from 'firebase-admin/database';

export type Accounts = { auth: Auth; db: Database };

/** The demo admin `npm start` and the tests sign in as (local emulators only). */
export const DEMO_ADMIN = { email: 'admin@aurora.local', password: 'aurora-demo-admin' };

/**
 * Gives `email` the admin claim, keeping their other claims. With a password, a missing
 * account is created first (for the local emulators and first-time setup).
 */
export async function grantAdmin({ auth, db }: Accounts, email: string, password?: string): Promise<string> {
  const user = await auth.getUserByEmail(email).catch(async (err: { code?: string }) => {
    if (err.code !== 'auth/user-not-found' || !password) throw err;
    return auth.createUser({ email, password, emailVerified: true });
  });
  await auth.setCustomUserClaims(user.uid, { ...user.customClaims, admin: true });
  await db.ref(`admins/${user.uid}`).set({ email });
  return user.uid;
}

/**
 * Takes the admin claim away and revokes the user's sessions, so the dashboard signs them out
 * at its next token refresh instead of keeping the old claim for up to an hour.
 */
export async function revokeAdmin({ auth, db }: Accounts, email: string): Promise<string> {
  const user = await auth.getUserByEmail(email);
  const { admin: _dropped, ...claims } = user.customClaims ?? {};
  await auth.setCustomUserClaims(user.uid, claims);
  await auth.revokeRefreshTokens(user.uid);
  await db.ref().update({ [`admins/${user.uid}`]: null, [`admin_push_tokens/${user.uid}`]: null, [`admin_alerts/${user.uid}`]: null });
  return user.uid;
}

export async function listAdmins(auth: Auth): Promise<string[]> {
  const emails: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await auth.listUsers(1000, pageToken);
    for (const user of page.users) if (user.customClaims?.admin === true) emails.push(user.email ?? user.uid);
    pageToken = page.pageToken;
  } while (pageToken);
  return emails;
}
