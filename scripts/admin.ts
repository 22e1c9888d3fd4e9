/**
 * `npm run admin -- grant <email> [--password <p>]`, `revoke <email>`, `list`: manages who may
 * use the dashboard and get alerts. `import workers <file.csv>` and `import procedures <folder>`
 * load the worker registry and the site procedures, validated with the functions' own schemas
 * (`--dry-run` shows the changes and writes nothing); `export procedures <folder>` writes the
 * procedures as reviewable files. Against the local emulators by default; `--project <id>`
 * manages a real project (its default database) with Application Default Credentials.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initializeApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { getDatabase } from 'firebase-admin/database';
import { getFirestore } from 'firebase-admin/firestore';
import { grantAdmin, listAdmins, revokeAdmin } from './lib/admins.ts';
import { applyPlan, formatPlan, planImport, procedureToMarkdown, proceduresFromFolder, readCollection, workersFromCsv, type Parsed, type Schema } from './lib/imports.ts';
import { ROOT, localAdminApp } from './lib/project.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { password: { type: 'string' }, project: { type: 'string' }, 'database-url': { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
});
const [command, email] = positionals;
const usage =
  'usage: npm run admin -- grant <email> [--password <p>] | revoke <email> | list | import workers <file.csv> [--dry-run] | import procedures <folder> [--dry-run] | export procedures <folder>  [--project <id> [--database-url <url>]]';

/** The functions' schemas, compiled (plain Node cannot load their TypeScript): what the functions read these documents with. */
function functionSchemas(): { workers: Schema; procedures: Schema } {
  const require = createRequire(import.meta.url);
  try {
    const { WorkerDoc } = require(join(ROOT, 'functions', 'lib', 'adapters', 'workers.js')) as { WorkerDoc: Schema };
    const { Procedure } = require(join(ROOT, 'functions', 'lib', 'assistant', 'procedures.js')) as { Procedure: Schema };
    return { workers: WorkerDoc, procedures: Procedure };
  } catch {
    throw new Error('the functions are not built: run npm run build first (the import validates with their schemas)');
  }
}

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
  } else if (command === 'import' && (email === 'workers' || email === 'procedures') && positionals[2]) {
    const collection = email;
    const schemas = functionSchemas();
    const parsed: Parsed = collection === 'workers' ? workersFromCsv(readFileSync(positionals[2], 'utf8'), schemas.workers) : proceduresFromFolder(positionals[2], schemas.procedures);
    if (parsed.errors.length > 0) {
      console.error(`Nothing imported: ${parsed.errors.length} problem${parsed.errors.length === 1 ? '' : 's'} in ${positionals[2]}:\n${parsed.errors.map((e) => `  ${e}`).join('\n')}`);
      process.exit(1);
    }
    const plan = planImport(await readCollection(accounts.firestore, collection), parsed.docs);
    console.log(formatPlan(`${collection} on ${where}`, plan, values['dry-run']));
    if (!values['dry-run']) console.log(`wrote ${await applyPlan(accounts.firestore, collection, plan, parsed.docs)} document(s).`);
  } else if (command === 'export' && email === 'procedures' && positionals[2]) {
    const folder = positionals[2];
    mkdirSync(folder, { recursive: true });
    const procedures = await readCollection(accounts.firestore, 'procedures');
    for (const [id, doc] of Object.entries(procedures)) writeFileSync(join(folder, `${id}.md`), procedureToMarkdown(doc));
    console.log(`wrote ${Object.keys(procedures).length} procedure file(s) to ${folder}`);
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
