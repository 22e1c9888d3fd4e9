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
import { E164 } from './deploy-env.ts';

export type Accounts = { auth: Auth; db: Database; firestore: Firestore };

/** Firestore's copy of the directory, which firestore.rules reads (rules cannot read the Realtime Database). */
const directoryDoc = (firestore: Firestore, uid: string) =>
  firestore.collection(collections.admins).doc(uid);

/**
 * The demo admin `npm start` and the tests sign in as (local emulators only), with a phone in
 * the 555-01xx range kept for fiction, so "Call me" rings the local Twilio stand-in.
 */
export const DEMO_ADMIN = {
  email: 'admin@aurora.local',
  password: 'aurora-demo-admin',
  phone: '+15550170001',
};

/**
 * Gives `email` the admin claim, keeping their other claims. With a password, a missing
 * account is created first (for the local emulators and first-time setup). With a phone, it is
 * the number "Call me" rings (admins/{uid}/phone; the Realtime Database only, where only that
 * admin and the functions read it); without one, a phone set before is kept.
 */
export async function grantAdmin(
  { auth, db, firestore }: Accounts,
  email: string,
  password?: string,
  phone?: string,
): Promise<string> {
  if (phone !== undefined && phoneProblem(phone)) throw new Error(phoneProblem(phone)!);
  const user = await auth.getUserByEmail(email).catch(async (err: { code?: string }) => {
    if (err.code !== 'auth/user-not-found' || !password) throw err;
    return auth.createUser({ email, password, emailVerified: true });
  });
  await auth.setCustomUserClaims(user.uid, { ...user.customClaims, admin: true });
  await Promise.all([
    db.ref(paths.admin(user.uid)).update({ email, ...(phone ? { phone } : {}) }),
    directoryDoc(firestore, user.uid).set({ email }),
  ]);
  return user.uid;
}

/** Why `number` cannot be a supervisor's phone, or null when it can: Twilio dials E.164 (https://www.twilio.com/docs/glossary/what-e164). */
export function phoneProblem(number: string): string | null {
  return E164.test(number)
    ? null
    : `${number} is not an E.164 number: +, the country code and the number, digits only (like +15551234567)`;
}

/**
 * The phone change a command line asks for: `phone` a number to store, null to clear it, or
 * undefined to leave it as it is; or the usage error. `grant --phone <number>` and
 * `phone <email> <number|--clear>` change it; no other command takes either flag.
 */
export function phoneFromCommandLine(
  subcommand: string,
  args: { number?: string; phone?: string; clear: boolean },
): { ok: true; phone: string | null | undefined } | { ok: false; error: string } {
  const checked = (number: string) => {
    const problem = phoneProblem(number);
    return problem ? { ok: false as const, error: problem } : { ok: true as const, phone: number };
  };
  if (subcommand === 'grant') {
    if (args.clear) return { ok: false, error: '--clear is for phone <email> --clear' };
    return args.phone === undefined ? { ok: true, phone: undefined } : checked(args.phone);
  }
  if (subcommand === 'phone') {
    if (args.phone !== undefined)
      return { ok: false, error: 'phone takes the number after the email, not --phone' };
    if (args.number !== undefined && args.clear)
      return { ok: false, error: 'phone takes a <number> or --clear, not both' };
    if (args.clear) return { ok: true, phone: null };
    if (args.number === undefined) return { ok: false, error: 'phone needs <number> or --clear' };
    return checked(args.number);
  }
  if (args.phone !== undefined || args.clear)
    return { ok: false, error: `${subcommand} takes neither --phone nor --clear` };
  return { ok: true, phone: undefined };
}

/**
 * Sets (or with null, clears) the phone "Call me" rings for the admin `email`. Only an admin in
 * the directory has one: a transaction, so an admin revoked meanwhile is not given back an
 * entry (null first is the SDK's not-yet-known value, left absent; the server's real one follows).
 */
export async function setAdminPhone(
  { auth, db }: Pick<Accounts, 'auth' | 'db'>,
  email: string,
  phone: string | null,
): Promise<'set' | 'not an admin'> {
  if (phone !== null && phoneProblem(phone)) throw new Error(phoneProblem(phone)!);
  const user = await auth.getUserByEmail(email);
  const { snapshot } = await db.ref(paths.admin(user.uid)).transaction((current: unknown) => {
    if (current === null || typeof current !== 'object') return null;
    const entry: Record<string, unknown> = { ...current };
    delete entry.phone;
    return phone === null ? entry : { ...entry, phone };
  });
  return snapshot.exists() ? 'set' : 'not an admin';
}

/** The admins directory (uid to entry), as the functions and the rules see it. */
export async function adminDirectory(
  db: Database,
): Promise<Record<string, { email?: string; phone?: string }>> {
  return ((await db.ref(paths.admins).get()).val() ?? {}) as Record<
    string,
    { email?: string; phone?: string }
  >;
}

/** `admin list`: each admin with the phone "Call me" rings, or that they have none. */
export function formatAdminList(
  emails: string[],
  directory: Record<string, { email?: string; phone?: string }>,
  where: string,
): string {
  if (emails.length === 0) return `no admins on ${where}`;
  const phones = new Map(Object.values(directory).map((a) => [a.email, a.phone]));
  const width = Math.max(...emails.map((e) => e.length));
  return emails
    .map(
      (email) =>
        `${email.padEnd(width)}  ${phones.get(email) ?? '(no phone: Call me cannot ring them)'}`,
    )
    .join('\n');
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
