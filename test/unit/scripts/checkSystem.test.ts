/**
 * The front door: scripts/check-system.sh, run by `npm start` and `npm test` before anything
 * else, on a pretend machine (a folder with the script, fake tools and a PATH of only those).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../../../scripts/lib/project.ts';

type Machine = {
  java?: boolean;
  firestoreJar?: boolean;
  chromium?: boolean;
  npmDeps?: boolean;
  nodeVersion?: string;
  /** What `java -version` prints (the stub prints it on stdout; the check reads both). */
  javaVersion?: string;
  /** firebase-tools' own download of the Firestore emulator in its cache. */
  firebaseToolsJar?: boolean;
};
const dirs: string[] = [];

function tool(path: string, output = '') {
  writeFileSync(path, `#!/bin/sh\necho ${output}\n`);
  chmodSync(path, 0o755);
}

/** Runs the check as `npm <purpose>` would on a machine with what `machine` says it has. */
function check(purpose: 'start' | 'test', machine: Machine = {}) {
  const {
    java = true,
    firestoreJar = true,
    chromium = true,
    npmDeps = true,
    nodeVersion = 'v22.23.0',
    javaVersion = 'openjdk version "17.0.15" 2025-04-15',
    firebaseToolsJar = false,
  } = machine;
  const root = mkdtempSync(join(tmpdir(), 'aurora-check-'));
  dirs.push(root);
  for (const dir of ['scripts/lib', 'bin', 'node_modules/.bin'])
    mkdirSync(join(root, dir), { recursive: true });
  for (const file of ['scripts/check-system.sh', 'scripts/lib/system-packages.sh'])
    copyFileSync(join(ROOT, file), join(root, file));
  if (java) tool(join(root, 'bin', 'java'), `'${javaVersion}'`);
  mkdirSync(join(root, 'cache'));
  if (firebaseToolsJar)
    writeFileSync(join(root, 'cache', 'cloud-firestore-emulator-v1.22.0.jar'), '');
  if (chromium) tool(join(root, 'bin', 'chromium'));
  if (firestoreJar) writeFileSync(join(root, 'emulator.jar'), '');
  if (npmDeps)
    for (const name of ['tsc', 'vite', 'vitest', 'eslint', 'firebase'])
      tool(join(root, 'node_modules', '.bin', name));
  if (npmDeps) tool(join(root, 'node_modules', '.bin', 'node'), nodeVersion);
  const result = spawnSync('/bin/bash', [join(root, 'scripts', 'check-system.sh'), purpose], {
    env: {
      PATH: join(root, 'bin'),
      AURORA_FIRESTORE_JAR: join(root, 'emulator.jar'),
      AURORA_SYSTEM_BIN: join(root, 'bin'),
      FIREBASE_EMULATORS_PATH: join(root, 'cache'),
    },
    encoding: 'utf8',
  });
  return { status: result.status, out: result.stdout + result.stderr };
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('check-system.sh', () => {
  it('says nothing and lets the command run when the machine has everything', () => {
    expect(check('test')).toEqual({ status: 0, out: '' });
    expect(check('start')).toEqual({ status: 0, out: '' });
  });

  it('names missing Chromium and the one command that installs it before npm test starts anything', () => {
    const { status, out } = check('test', { chromium: false });
    expect(status).toBe(1);
    expect(out).toContain("Chromium, for the dashboard's browser tests (Debian package chromium)");
    expect(out).toContain('npm run setup -- --no-start');
    expect(out).not.toContain('Java');
  });

  it('lets npm start run without Chromium, which only the browser tests need', () => {
    expect(check('start', { chromium: false }).status).toBe(0);
  });

  it('names everything a fresh machine lacks at once, with the setup command that starts the stack', () => {
    const { status, out } = check('start', { java: false, firestoreJar: false, npmDeps: false });
    expect(status).toBe(1);
    expect(out).toContain(
      'Java, which runs the Firestore emulator (Debian package openjdk-17-jre-headless)',
    );
    expect(out).toContain(
      'the official Firestore emulator (Debian package google-cloud-cli-firestore-emulator)',
    );
    expect(out).toContain('the npm dependencies (node_modules');
    expect(out).toMatch(/one command:\n {2}npm run setup\n$/);
  });

  it("accepts firebase-tools' own Firestore emulator download in place of the apt package on Java 21", () => {
    const machine = { firestoreJar: false, firebaseToolsJar: true };
    expect(
      check('start', { ...machine, javaVersion: 'openjdk version "21.0.5" 2024-10-15' }),
    ).toEqual({
      status: 0,
      out: '',
    });
    // firebase-tools will not run it on an older Java, so the check still asks for the package.
    const { status, out } = check('start', machine);
    expect(status).toBe(1);
    expect(out).toContain(
      'the official Firestore emulator (Debian package google-cloud-cli-firestore-emulator)',
    );
  });

  it('refuses a Node older than the project runs on', () => {
    const { status, out } = check('test', { nodeVersion: 'v22.11.0' });
    expect(status).toBe(1);
    expect(out).toContain(
      'Node 22.12 or later from the npm dependencies (node_modules has v22.11.0)',
    );
    expect(check('test', { nodeVersion: 'v24.1.0' }).status).toBe(0);
  });
});
