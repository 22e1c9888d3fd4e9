/**
 * `npm run admin -- import …` against the local stack: a dry run shows the changes and writes
 * nothing; the import writes what the functions then read; procedures exported as files come
 * back unchanged.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { firestoreWorkers } from '../../functions/src/adapters/workers';
import { ROOT } from '../../scripts/lib/project.ts';
import { testClients } from '../helpers/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'aurora-import-'));
const NEW_WORKERS = ['+14155550901', '+14155550902'];
afterAll(async () => {
  const { firestore } = testClients();
  await Promise.all([
    ...NEW_WORKERS.map((p) => firestore.collection('workers').doc(p).delete()),
    firestore.collection('procedures').doc('import-check').delete(),
  ]);
  rmSync(dir, { recursive: true, force: true });
});

const admin = (...args: string[]) =>
  promisify(execFile)(process.execPath, [join(ROOT, 'scripts', 'admin.ts'), ...args], {
    timeout: 60_000,
  }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      out: e.stdout + e.stderr,
    }),
  );

describe('npm run admin -- import workers', () => {
  const csv = join(dir, 'workers.csv');
  writeFileSync(
    csv,
    `phone,worker_id,name,site,zone\n${NEW_WORKERS[0]},w-901,Rosa Diaz,Harbour,Quay 1\n${NEW_WORKERS[1]},w-902,Tom Ode,Harbour,\n+15550100001,worker_001,Priya Nair,Riverside Plant,Zone A\n`,
  );

  it('shows the changes on a dry run and writes nothing', async () => {
    const { code, out } = await admin('import', 'workers', csv, '--dry-run');
    expect(code).toBe(0);
    expect(out).toContain(
      'workers on the local emulators: 2 to add, 0 to change, 1 unchanged, 4 not in the files (kept) (dry run: nothing written)',
    );
    expect(out).toContain(`  + ${NEW_WORKERS[0]}`);
    expect(
      (await testClients().firestore.collection('workers').doc(NEW_WORKERS[0]!).get()).exists,
    ).toBe(false);
  });

  it('writes the registry the functions look callers up in', async () => {
    const { code, out } = await admin('import', 'workers', csv);
    expect(code).toBe(0);
    expect(out).toContain('wrote 2 document(s).');
    expect(await firestoreWorkers(testClients().firestore).findByPhone(NEW_WORKERS[0]!)).toEqual({
      workerId: 'w-901',
      name: 'Rosa Diaz',
      site: 'Harbour',
      zone: 'Quay 1',
    });
    expect((await admin('import', 'workers', csv, '--dry-run')).out).toContain(
      '0 to add, 0 to change, 3 unchanged',
    );
  });

  it('imports nothing from a file with a bad line, and says which', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'phone,worker_id\n+14155550903,w-903\n555-0100,w-x\n');
    const { code, out } = await admin('import', 'workers', bad);
    expect(code).toBe(1);
    expect(out).toContain('Nothing imported: 1 problem in');
    expect(out).toContain('line 3: phone must be an E.164 number');
    expect(
      (await testClients().firestore.collection('workers').doc('+14155550903').get()).exists,
    ).toBe(false);
  });
});

describe('npm run admin -- export / import procedures', () => {
  const folder = join(dir, 'procedures');

  it('exports the library as one Markdown file each, which imports back unchanged', async () => {
    expect((await admin('export', 'procedures', folder)).code).toBe(0);
    expect(readdirSync(folder)).toContain('fire.md');
    expect(readFileSync(join(folder, 'fire.md'), 'utf8')).toMatch(/^---\ntitle: /);
    const { code, out } = await admin('import', 'procedures', folder, '--dry-run');
    expect(code).toBe(0);
    expect(out).toMatch(
      /procedures on the local emulators: 0 to add, 0 to change, \d+ unchanged \(dry run: nothing written\)/,
    );
  });

  it('shows a new and an edited procedure field by field, then writes them', async () => {
    writeFileSync(
      join(folder, 'import-check.md'),
      '---\ntitle: Import check\nurgency: NORMAL\nkeywords: [zzimportcheck]\nsource: this test\n---\nNothing to do.\n',
    );
    const fire = readFileSync(join(folder, 'fire.md'), 'utf8');
    const edited = fire.replace(/^title: .*$/m, 'title: Fire (edited by the import test)');
    writeFileSync(join(folder, 'fire.md'), edited);
    const dry = await admin('import', 'procedures', folder, '--dry-run');
    expect(dry.out).toContain('1 to add, 1 to change');
    expect(dry.out).toContain('  + import-check');
    expect(dry.out).toMatch(/ {2}~ fire\n {6}title: ".*" -> "Fire \(edited by the import test\)"/);
    writeFileSync(join(folder, 'fire.md'), fire); // put fire back: only the new one is written
    const { code, out } = await admin('import', 'procedures', folder);
    expect(code).toBe(0);
    expect(out).toContain('wrote 1 document(s).');
    expect(
      (await testClients().firestore.collection('procedures').doc('import-check').get()).data(),
    ).toEqual({
      title: 'Import check',
      urgency: 'NORMAL',
      keywords: ['zzimportcheck'],
      source: 'this test',
      guidance: 'Nothing to do.',
    });
  });
});
