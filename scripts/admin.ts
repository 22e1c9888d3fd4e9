/**
 * `npm run admin -- grant <email> [--password <p>] [--phone <E.164>]`, `revoke <email>`, `list`,
 * `phone <email> <number|--clear>`: manages who may use the dashboard and get alerts, and the
 * phone "Call me" rings for each. `import workers <file.csv>` and `import procedures <folder>`
 * load the worker registry and the site procedures, validated with the functions' own schemas
 * (`--dry-run` shows the changes and writes nothing); `export procedures <folder>` writes the
 * procedures as reviewable files. Against the local emulators by default; `--project <id>`
 * manages a real project (its default database) with Application Default Credentials.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSubcommandLine } from './lib/command-line.ts';
import type { Parsed } from './lib/imports.ts';

const TARGET = '[--project <id> [--database-url <url>]]';
const TARGET_OPTIONS = `  --project <id>        a real project (its default database) with Application Default Credentials;
                        without it, the local emulators (npm start)
  --database-url <url>  that project's Realtime Database when it is not its default instance
                        (default: <id>-default-rtdb in FUNCTIONS_REGION of functions/.env.<id>:
                        https://<id>-default-rtdb.firebaseio.com in us-central1,
                        https://<id>-default-rtdb.<region>.firebasedatabase.app elsewhere)`;
const DRY_RUN =
  '  --dry-run             print what would be added and changed, field by field, and write nothing';
const subcommandUsage = (synopsis: string, what: string, options = '') =>
  `usage: npm run admin -- ${synopsis} ${TARGET}\n${what}\n\noptions:\n${options}${TARGET_OPTIONS}`;

const SUBCOMMANDS = [
  {
    name: 'grant',
    args: ['email'],
    usage: subcommandUsage(
      'grant <email> [--password <p>] [--phone <E.164>]',
      'Makes <email> an admin: the admin custom claim (they get the dashboard at their next sign-in) and an entry\nin the admins directory the fan-out alerts. A phone set before is kept unless --phone replaces it.',
      '  --password <p>        create the account with this password when it does not exist\n' +
        '  --phone <E.164>       the phone "Call me" rings for them (+15551234567): only they and the functions read it\n',
    ),
  },
  {
    name: 'revoke',
    args: ['email'],
    usage: subcommandUsage(
      'revoke <email>',
      "Removes <email>'s admin claim and directory entry, revokes their sessions and drops their alerts\nand push registrations.",
    ),
  },
  {
    name: 'list',
    args: [],
    usage: subcommandUsage('list', 'Lists the admins, each with the phone "Call me" rings.'),
  },
  {
    name: 'phone',
    args: ['email', 'number?'],
    usage: subcommandUsage(
      'phone <email> <number|--clear>',
      'Sets the phone "Call me" rings for the admin <email> (E.164, like +15551234567), or with --clear removes it.',
      '  --clear               remove their phone\n',
    ),
  },
  {
    name: 'import workers',
    args: ['file.csv'],
    usage: subcommandUsage(
      'import workers <file.csv> [--dry-run]',
      'Loads the worker registry (workers/{E.164}) from a CSV with a header row phone,worker_id,name,site,zone,language\n' +
        "(any but the first two may be left out), validated with the functions' own schema. A file with any bad line\n" +
        'imports nothing and names the line; documents the file does not name are kept. Needs the functions built.',
      `${DRY_RUN}\n`,
    ),
  },
  {
    name: 'import procedures',
    args: ['folder'],
    usage: subcommandUsage(
      'import procedures <folder> [--dry-run]',
      'Loads the site procedures from a folder of Markdown files, one per procedure (fire.md is procedure fire):\n' +
        'YAML front matter with its fields, the spoken guidance as the body, validated with the schema the functions\n' +
        'read procedures with. Any bad file imports nothing. Needs the functions built.',
      `${DRY_RUN}\n`,
    ),
  },
  {
    name: 'export procedures',
    args: ['folder'],
    usage: subcommandUsage(
      'export procedures <folder>',
      "Writes the project's procedures into <folder> as Markdown files import procedures reads\n(locally: the seeded demo set).",
    ),
  },
] as const;

const USAGE = `usage: npm run admin -- <command> ${TARGET}
Who may use the dashboard and gets alerts, the worker registry and the site procedures.

commands:
  grant <email> [--password <p>] [--phone <E.164>]
                                          make <email> an admin; --password creates a missing account,
                                          --phone is the number "Call me" rings for them
  revoke <email>                          remove <email>'s admin rights and revoke their sessions
  list                                    the admins and their phones
  phone <email> <number|--clear>          set or remove the phone "Call me" rings for an admin
  import workers <file.csv> [--dry-run]   load the worker registry from a CSV
  import procedures <folder> [--dry-run]  load the site procedures from Markdown files
  export procedures <folder>              write the procedures as Markdown files

options:
  --password <p>        grant: create the account with this password when it does not exist
  --phone <E.164>       grant: the phone "Call me" rings for them
  --clear               phone: remove it
${DRY_RUN.replace('print', 'import: print')}
${TARGET_OPTIONS}
  -h, --help            this help; npm run admin -- <command> --help for one command's`;

const { values, subcommand, args, fail } = parseSubcommandLine('admin', USAGE, SUBCOMMANDS, {
  password: { type: 'string' },
  phone: { type: 'string' },
  clear: { type: 'boolean', default: false },
  project: { type: 'string' },
  'database-url': { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
});

// A phone is checked before anything connects: a bad one is a usage error, as a bad flag is.
const { phoneFromCommandLine } = await import('./lib/admins.ts');
const asked = phoneFromCommandLine(subcommand, {
  number: subcommand === 'phone' ? args[1] : undefined,
  phone: values.phone,
  clear: values.clear,
});
const phone = asked.ok ? asked.phone : fail(asked.error);

// Loaded after the command line is parsed, so --help and usage errors answer without the SDKs.
const { initializeApp } = await import('firebase-admin/app');
const { getAuth } = await import('firebase-admin/auth');
const { getDatabase } = await import('firebase-admin/database');
const { getFirestore } = await import('firebase-admin/firestore');
const { adminDirectory, formatAdminList, grantAdmin, listAdmins, revokeAdmin, setAdminPhone } =
  await import('./lib/admins.ts');
const {
  applyPlan,
  formatPlan,
  planImport,
  procedureToMarkdown,
  proceduresFromFolder,
  readCollection,
  workersFromCsv,
} = await import('./lib/imports.ts');
const { ROOT, localAdminApp } = await import('./lib/project.ts');
const { projectDatabaseUrl } = await import('./lib/deploy-env.ts');
// What the functions read these documents with: the model's schemas.
const { Procedure, WorkerDoc } = await import('@aurora/model');

// A real project's default database is where its functions are (FUNCTIONS_REGION: the database's region), unless --database-url says otherwise.
const app = values.project
  ? initializeApp({
      projectId: values.project,
      databaseURL:
        values['database-url'] ?? projectDatabaseUrl(join(ROOT, 'functions'), values.project),
    })
  : localAdminApp();
const auth = getAuth(app);
const accounts = { auth, db: getDatabase(app), firestore: getFirestore(app) };
const where = values.project ? `project ${values.project}` : 'the local emulators';
const [email] = args;

try {
  if (subcommand === 'grant') {
    await grantAdmin(accounts, email, values.password, phone ?? undefined);
    console.log(
      `${email} is now an admin on ${where}. They get the dashboard at their next sign-in.${phone ? ` "Call me" rings ${phone}.` : ''}`,
    );
  } else if (subcommand === 'phone') {
    const done = await setAdminPhone(accounts, email, phone ?? null);
    if (done === 'not an admin') {
      console.error(`${email} is not an admin on ${where}: grant them first.`);
      process.exit(1);
    }
    console.log(
      phone
        ? `"Call me" rings ${phone} for ${email} on ${where}.`
        : `${email} has no phone on ${where} now: "Call me" cannot ring them.`,
    );
  } else if (subcommand === 'revoke') {
    await revokeAdmin(accounts, email);
    console.log(`${email} is no longer an admin on ${where}; their sessions were revoked.`);
  } else if (subcommand === 'import workers' || subcommand === 'import procedures') {
    const collection = subcommand === 'import workers' ? 'workers' : 'procedures';
    const [source] = args;
    const parsed: Parsed =
      collection === 'workers'
        ? workersFromCsv(readFileSync(source, 'utf8'), WorkerDoc)
        : proceduresFromFolder(source, Procedure);
    if (parsed.errors.length > 0) {
      console.error(
        `Nothing imported: ${parsed.errors.length} problem${parsed.errors.length === 1 ? '' : 's'} in ${source}:\n${parsed.errors.map((e) => `  ${e}`).join('\n')}`,
      );
      process.exit(1);
    }
    const plan = planImport(await readCollection(accounts.firestore, collection), parsed.docs);
    console.log(formatPlan(`${collection} on ${where}`, plan, values['dry-run']));
    if (!values['dry-run'])
      console.log(
        `wrote ${await applyPlan(accounts.firestore, collection, plan, parsed.docs)} document(s).`,
      );
  } else if (subcommand === 'export procedures') {
    const [folder] = args;
    mkdirSync(folder, { recursive: true });
    const procedures = await readCollection(accounts.firestore, 'procedures');
    for (const [id, doc] of Object.entries(procedures))
      writeFileSync(join(folder, `${id}.md`), procedureToMarkdown(doc));
    console.log(`wrote ${Object.keys(procedures).length} procedure file(s) to ${folder}`);
  } else {
    const [admins, directory] = await Promise.all([listAdmins(auth), adminDirectory(accounts.db)]);
    console.log(formatAdminList(admins, directory, where));
  }
} catch (err) {
  const code = (err as { code?: string }).code;
  if (code === 'auth/user-not-found')
    console.error(`${email} has no account on ${where}. Pass --password to create one.`);
  else console.error(`failed: ${String((err as Error).message ?? err)}`);
  process.exit(1);
}
process.exit(0); // the database client would otherwise keep the process alive
