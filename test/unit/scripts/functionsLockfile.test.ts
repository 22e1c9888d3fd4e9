/**
 * The deployed dependencies are the tested ones: functions/package-lock.json, which Cloud Build's
 * `npm ci` installs in functions/, holds exactly the packages the root install (the one the tests
 * ran against) resolved for the functions workspace. Checked offline against the root lock with an
 * oracle written apart from the generator; the network check (`npm ci` on the file) is in the
 * report of issue 22.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, matchesGlob } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  formatLockfile,
  functionsLockfile,
  lockfileDifferences,
  runLockfileCli,
  type Lockfile,
} from '../../../scripts/lib/functions-lockfile.ts';
import { FIREBASE_JSON, ROOT } from '../../../scripts/lib/project.ts';

type Entry = Record<string, unknown> & {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};
type Lock = { packages: Record<string, Entry> };

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
const rootLock = readJson(join(ROOT, 'package-lock.json')) as Lock;
const manifest = readJson(join(ROOT, 'functions', 'package.json')) as Entry;
const FLAGS = ['dev', 'optional', 'devOptional', 'peer', 'extraneous'];
const withoutFlags = (entry: Entry) =>
  Object.fromEntries(Object.entries(entry).filter(([key]) => !FLAGS.includes(key)));

/** Node's lookup, written apart from the generator's: the nearest node_modules holding `name`. */
function nearest(packages: Record<string, Entry>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    if (!dir.endsWith('/node_modules') && dir !== 'node_modules') {
      const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
      if (candidate in packages) return candidate;
    }
    if (dir === '') return undefined;
    dir = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '';
  }
}

/**
 * What is wrong with `lock` as an install of the workspace: walking it from the project, each
 * dependency must be found, and be the very package the root tree found from the same dependent
 * (same entry, flags aside); an optional one may be missing; nothing may be left unreached.
 */
function problemsAgainstRoot(root: Lock, lock: Lock, workspace = 'functions'): string[] {
  const problems: string[] = [];
  const pairedWith = new Map<string, string>();
  const pending: Array<[string, string]> = [['', workspace]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [at, from] = next;
    if (pairedWith.has(at)) {
      if (pairedWith.get(at) !== from)
        problems.push(`${at} stands for both ${pairedWith.get(at)} and ${from}`);
      continue;
    }
    pairedWith.set(at, from);
    const entry = lock.packages[at]!;
    if (at !== '' && !isDeepStrictEqual(withoutFlags(entry), withoutFlags(root.packages[from]!)))
      problems.push(`${at} is not ${from} of the root lock`);
    const peers = entry.peerDependencies ?? {};
    const optionalPeer = (name: string) => entry.peerDependenciesMeta?.[name]?.optional === true;
    const names = new Set([
      ...Object.keys(peers),
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...(at === '' ? Object.keys(entry.devDependencies ?? {}) : []),
    ]);
    for (const name of names) {
      const found = nearest(lock.packages, at, name);
      const expected = nearest(root.packages, from, name);
      const optional =
        name in (entry.optionalDependencies ?? {}) ||
        (name in peers && optionalPeer(name) && !(name in (entry.dependencies ?? {})));
      if (found === undefined) {
        if (!optional) problems.push(`${at || 'the project'} cannot find ${name}`);
        continue;
      }
      if (
        expected === undefined ||
        !isDeepStrictEqual(
          withoutFlags(lock.packages[found]!),
          withoutFlags(root.packages[expected]!),
        )
      ) {
        problems.push(
          `${at || 'the project'} finds ${name} at ${found}, which is not the root tree's ${expected ?? 'nothing'}`,
        );
        continue;
      }
      if (!(optionalPeer(name) && name in peers && !(name in (entry.dependencies ?? {}))))
        pending.push([found, expected]);
    }
  }
  for (const at of Object.keys(lock.packages))
    if (!pairedWith.has(at)) problems.push(`${at} is installed but nothing needs it`);
  return problems;
}

describe('functions/package-lock.json from the root lock', () => {
  const generated = functionsLockfile(rootLock, manifest);

  it('gives every package the version, resolved and integrity the root lock has, found from every dependent as the root tree found it', () => {
    expect(problemsAgainstRoot(rootLock, generated)).toEqual([]);
    expect(generated.lockfileVersion).toBe(3);
    expect(Object.keys(generated.packages).length).toBeGreaterThan(100);
    for (const [at, entry] of Object.entries(generated.packages))
      if (at !== '') expect(entry.integrity, at).toMatch(/^sha512-/);
  });

  it('is committed exactly as generated, in the byte layout npm itself writes', () => {
    const committed = readFileSync(join(ROOT, 'functions', 'package-lock.json'), 'utf8');
    expect(lockfileDifferences(JSON.parse(committed), generated)).toEqual([]);
    expect(committed).toBe(formatLockfile(generated));
  });

  it('flags only the functions’ own devDependencies as dev, and optional what only optional edges need', () => {
    const { packages } = generated;
    expect(packages['node_modules/typescript']).toMatchObject({ dev: true });
    for (const name of Object.keys(manifest.dependencies!)) {
      expect(packages[`node_modules/${name}`], name).toBeDefined();
      expect(packages[`node_modules/${name}`]!.dev, name).toBeUndefined();
    }
    // firebase-admin's Firestore client is its optionalDependency: installed (npm ci keeps optionals), flagged so.
    expect(packages['node_modules/@google-cloud/firestore']).toMatchObject({ optional: true });
  });

  it('leaves out optional peers that only the root’s dev tools installed (openai’s optional ws, which would not even satisfy ^8)', () => {
    expect(rootLock.packages['node_modules/ws']).toBeDefined();
    expect(generated.packages['node_modules/ws']).toBeUndefined();
    expect(generated.packages['node_modules/zod']).toBeDefined(); // also an optional peer of openai, but a dependency
  });

  it('is uploaded: firebase.json’s functions ignore list spares it', () => {
    const [functions] = FIREBASE_JSON.functions as Array<{ source: string; ignore: string[] }>;
    expect(functions!.source).toBe('functions');
    for (const pattern of functions!.ignore)
      expect(matchesGlob('package-lock.json', pattern), pattern).toBe(false);
  });

  it('the oracle notices a changed version and a package nobody needs', () => {
    const tampered = structuredClone(generated) as Lock;
    tampered.packages['node_modules/zod']!.version = '4.0.0';
    tampered.packages['node_modules/left-pad'] = { version: '1.3.0' };
    expect(problemsAgainstRoot(rootLock, tampered)).toEqual(
      expect.arrayContaining([
        "the project finds zod at node_modules/zod, which is not the root tree's node_modules/zod",
        'node_modules/left-pad is installed but nothing needs it',
      ]),
    );
  });
});

/** A root lock for a workspace `functions` depending on `wants`, with the given installed packages. */
function workspaceLock(
  wants: Entry,
  packages: Record<string, Entry>,
): Lock & { lockfileVersion: number } {
  return {
    lockfileVersion: 3,
    packages: {
      '': { name: 'root', workspaces: ['functions'] },
      functions: { name: 'fns', ...wants },
      'node_modules/fns': { resolved: 'functions', link: true },
      ...packages,
    },
  };
}
const pkg = (version: string, more: Entry = {}): Entry => ({
  version,
  integrity: `sha512-${version}`,
  ...more,
});

describe('functionsLockfile on made-up trees', () => {
  it('keeps the workspace’s own copy on top and nests the root-hoisted one under the package that needed it', () => {
    const wants = { dependencies: { a: '^1', x: '^2' } };
    const root = workspaceLock(wants, {
      'node_modules/a': pkg('1.0.0', { dependencies: { x: '^1' } }),
      'node_modules/x': pkg('1.0.0'),
      'functions/node_modules/x': pkg('2.0.0'),
    });
    const lock = functionsLockfile(root, { name: 'fns', ...wants });
    expect(lock.packages['node_modules/x']!.version).toBe('2.0.0');
    expect(lock.packages['node_modules/a/node_modules/x']!.version).toBe('1.0.0');
    expect(problemsAgainstRoot(root, lock as Lock)).toEqual([]);
  });

  it('keeps nesting, drops the root’s dev flags and sets npm’s own', () => {
    const wants = { dependencies: { a: '^1', p: '^1' }, devDependencies: { t: '^1' } };
    const root = workspaceLock(wants, {
      'node_modules/a': pkg('1.0.0', {
        dev: true,
        dependencies: { b: '^2' },
        optionalDependencies: { o: '^1', gone: '^1' },
      }),
      'node_modules/a/node_modules/b': pkg('2.0.0', { dev: true }),
      'node_modules/b': pkg('1.0.0', { dev: true }),
      'node_modules/o': pkg('1.0.0', { optional: true }),
      'node_modules/p': pkg('1.0.0', {
        peerDependencies: { q: '*', r: '*' },
        peerDependenciesMeta: { r: { optional: true } },
      }),
      'node_modules/q': pkg('1.0.0', { dev: true }),
      'node_modules/r': pkg('1.0.0', { dev: true }),
      'node_modules/t': pkg('1.0.0', { dev: true }),
    });
    const { packages } = functionsLockfile(root, { name: 'fns', ...wants });
    expect(Object.keys(packages).sort()).toEqual([
      '',
      'node_modules/a',
      'node_modules/a/node_modules/b',
      'node_modules/o',
      'node_modules/p',
      'node_modules/q',
      'node_modules/t',
    ]);
    expect(packages['node_modules/a']).toEqual(
      pkg('1.0.0', { dependencies: { b: '^2' }, optionalDependencies: { o: '^1', gone: '^1' } }),
    );
    expect(packages['node_modules/a/node_modules/b']).toEqual(pkg('2.0.0'));
    expect(packages['node_modules/o']).toEqual(pkg('1.0.0', { optional: true }));
    expect(packages['node_modules/q']).toEqual(pkg('1.0.0', { peer: true }));
    expect(packages['node_modules/t']).toEqual(pkg('1.0.0', { dev: true }));
  });

  it('refuses a root lock that does not install a required dependency', () => {
    const wants = { dependencies: { a: '^1' } };
    const root = workspaceLock(wants, {
      'node_modules/a': pkg('1.0.0', { dependencies: { missing: '^1' } }),
    });
    expect(() => functionsLockfile(root, { name: 'fns', ...wants })).toThrow(
      /node_modules\/a needs missing \(prod\).*run `npm install`/,
    );
  });

  it('refuses a root lock older than functions/package.json', () => {
    const root = workspaceLock({ dependencies: { a: '^1' } }, { 'node_modules/a': pkg('1.0.0') });
    expect(() => functionsLockfile(root, { name: 'fns', dependencies: { a: '^2' } })).toThrow(
      /differ from functions\/package.json: run `npm install`/,
    );
  });

  it('refuses a workspace package, which Cloud Build could not fetch', () => {
    const wants = { dependencies: { '@aurora/model': '*' } };
    const root = workspaceLock(wants, {
      'node_modules/@aurora/model': { resolved: 'model', link: true },
    });
    expect(() => functionsLockfile(root, { name: 'fns', ...wants })).toThrow(/workspace link/);
  });

  it('refuses a file that is not a lockfile with packages', () => {
    expect(() => functionsLockfile({ lockfileVersion: 1, dependencies: {} }, manifest)).toThrow();
  });
});

describe('formatLockfile', () => {
  it('writes keys as npm does: its leading keys, then scalars before objects, each alphabetical', () => {
    const text = formatLockfile({
      packages: {
        'node_modules/b': pkg('1.0.0', {
          license: 'MIT',
          dependencies: { z: '1', a: '1' },
          dev: true,
        }),
        '': { name: 'fns' },
        'node_modules/a': pkg('2.0.0'),
      },
      requires: true,
      lockfileVersion: 3,
      name: 'fns',
    } as Lockfile);
    const parsed = JSON.parse(text) as Lock & Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['name', 'lockfileVersion', 'requires', 'packages']);
    expect(Object.keys(parsed.packages)).toEqual(['', 'node_modules/a', 'node_modules/b']);
    expect(Object.keys(parsed.packages['node_modules/b']!)).toEqual([
      'version',
      'integrity',
      'dev',
      'license',
      'dependencies',
    ]);
    expect(Object.keys(parsed.packages['node_modules/b']!.dependencies!)).toEqual(['a', 'z']);
    expect(text.endsWith('}\n')).toBe(true);
  });
});

describe('npm run lock:functions and its --check', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A project folder with the real root lock and functions/package.json, and what the CLI printed. */
  function project() {
    const root = mkdtempSync(join(tmpdir(), 'aurora-lock-'));
    dirs.push(root);
    mkdirSync(join(root, 'functions'));
    writeFileSync(join(root, 'package-lock.json'), JSON.stringify(rootLock));
    writeFileSync(join(root, 'functions', 'package.json'), JSON.stringify(manifest));
    const printed: string[] = [];
    const log = {
      log: (line: string) => printed.push(line),
      error: (line: string) => printed.push(line),
    };
    return { root, printed, run: (...argv: string[]) => runLockfileCli(argv, root, log) };
  }

  it('writes the lock, which --check then accepts', () => {
    const { root, run } = project();
    expect(run()).toBe(0);
    expect(readFileSync(join(root, 'functions', 'package-lock.json'), 'utf8')).toBe(
      formatLockfile(functionsLockfile(rootLock, manifest)),
    );
    expect(run('--check')).toBe(0);
  });

  it('fails --check, saying what to run, when the lock is missing, stale or not JSON', () => {
    const { root, printed, run } = project();
    expect(run('--check')).toBe(1);
    expect(printed.join('\n')).toMatch(/Run `npm run lock:functions`[\s\S]*missing, not JSON/);

    run();
    const path = join(root, 'functions', 'package-lock.json');
    const stale = readJson(path) as Lock;
    stale.packages['node_modules/twilio']!.version = '6.0.0';
    writeFileSync(path, JSON.stringify(stale));
    printed.length = 0;
    expect(run('--check')).toBe(1);
    expect(printed.join('\n')).toContain('node_modules/twilio differs');

    writeFileSync(path, '<<<<<<< HEAD\n');
    expect(run('--check')).toBe(1);
  });

  it('fails, and writes nothing, when the root lock cannot give one', () => {
    const { root, printed, run } = project();
    writeFileSync(
      join(root, 'functions', 'package.json'),
      JSON.stringify({
        ...manifest,
        dependencies: { ...manifest.dependencies, 'left-pad': '^1.3.0' },
      }),
    );
    expect(run()).toBe(1);
    expect(printed.join('\n')).toMatch(/cannot be generated: .*run `npm install` at the root/);
    expect(() => readFileSync(join(root, 'functions', 'package-lock.json'))).toThrow();
  });
});
