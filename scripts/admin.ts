/**
 * `npm run admin -- grant <email> [--password <p>]`, `revoke <email>`, `list`: manages who may
 * use the dashboard and get alerts. Against the local emulators by default; `--project <id>`
 * manages a real project (its default database) with Application Default Credentials.
 */
import { parseArgs } from 'node:util';
import { initializeApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { getDatabase } from 'firebase-admin/database';
import { getFirestore } from 'firebase-admin/firestore';
import { grantAdmin, listAdmins, revokeAdmin } from './lib/admins.ts';
import { localAdminApp } from './lib/project.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { password: { type: 'string' }, project: { type: 'string' }, 'database-url': { type: 'string' } },
});
const [command, email] = positionals;
const usage = 'usage: npm run admin -- grant <email> [--password <p>] | revoke <email> | list  [--project <id> [--database-url <url>]]';

// A real project's default database is in us-central1 unless --database-url says otherwise.
const app = values.project
  ? initializeApp({ projectId: values.project, databaseURL: values['database-url'] ?? `https://${values.project}-default-rtdb.firebaseio.com` })
  : localAdminApp();
const auth = getAuth(app);
const accounts = { auth, db: getDatabase(app), firestore: getFirestore(app) };
const where = values.project ? `project ${values.project}` : 'the local emulators';

try {
  if (command === 'grant' && email) {
    await grantAdmin(accounts, email, values.password);
    console.log(`${email} is now an admin on ${where}. They get the dashboard at their next sign-in.`);
  } else if (command === 'revoke' && email) {
    await revokeAdmin(accounts, email);
    console.log(`${email} is no longer an admin on ${where}; their sessions were revoked.`);
  } else if (command === 'list') {
    const admins = await listAdmins(auth);
    console.log(admins.length ? admins.join('\n') : `no admins on ${where}`);
  } else {
    console.error(usage);
    process.exit(2);
  }
} catch (err) {
  const code = (err as { code?: string }).code;
  if (code === 'auth/user-not-found') console.error(`${email} has no account on ${where}. Pass --password to create one.`);
  else console.error(`failed: ${String((err as Error).message ?? err)}`);
  process.exit(1);
}
process.exit(0); // the database client would otherwise keep the process alive
