/**
 * functions/package-lock.json, derived from the root package-lock.json, so that production runs
 * the dependency versions the tests ran. The functions deploy from functions/ alone (firebase.json
 * "functions.source"), where Cloud Build installs the bundle's externals; with a package-lock.json
 * there it runs `npm ci` on it instead of resolving functions/package.json's `^` ranges afresh
 * (https://cloud.google.com/functions/docs/writing/specifying-dependencies-nodejs). The root lock
 * is the npm workspace's and is not uploaded, so this one is generated from it: the packages an
 * install of functions/package.json gets, each the very package (version, resolved, integrity)
 * the root install resolved it to, laid out so that Node's lookup finds the same one.
 *
 * `node scripts/lib/functions-lockfile.ts` writes it (`npm run lock:functions`); `--check` exits 1
 * when the committed file is not what the root lock gives (`npm run lint` runs it).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { ROOT } from './project.ts';

const DependencyMap = z.record(z.string(), z.string());
const LockEntry = z.looseObject({
  version: z.string().optional(),
  resolved: z.string().optional(),
  integrity: z.string().optional(),
  link: z.boolean().optional(),
  dependencies: DependencyMap.optional(),
  optionalDependencies: DependencyMap.optional(),
  peerDependencies: DependencyMap.optional(),
  peerDependenciesMeta: z
    .record(z.string(), z.looseObject({ optional: z.boolean().optional() }))
    .optional(),
  devDependencies: DependencyMap.optional(),
});
type LockEntry = z.infer<typeof LockEntry>;
/** A package-lock.json with a `packages` section (lockfileVersion 2 or 3), keyed by install location. */
const Lockfile = z.looseObject({
  name: z.string().optional(),
  lockfileVersion: z.number().int().min(2),
  packages: z.record(z.string(), LockEntry),
});
export type Lockfile = z.infer<typeof Lockfile>;
const Manifest = z.looseObject({
  name: z.string(),
  version: z.string().optional(),
  dependencies: DependencyMap.optional(),
  devDependencies: DependencyMap.optional(),
  optionalDependencies: DependencyMap.optional(),
  peerDependencies: DependencyMap.optional(),
  peerDependenciesMeta: LockEntry.shape.peerDependenciesMeta,
});
type Manifest = z.infer<typeof Manifest>;

export type EdgeType = 'prod' | 'dev' | 'optional' | 'peer' | 'peerOptional';
type Packages = Record<string, LockEntry>;

/** The flags npm writes on a lock entry; they are recomputed for the functions' own tree. */
const FLAGS = ['dev', 'optional', 'devOptional', 'peer', 'extraneous'] as const;
const DEPENDENCY_KINDS = [
  'dependencies',
  'devDependencies',
  'optionalDependencies',
  'peerDependencies',
] as const;

/**
 * A package's dependencies as npm's Arborist reads them (node.js, #loadDeps): peers, then
 * dependencies, then optionalDependencies, each overriding an earlier kind of the same name;
 * devDependencies only for the project itself.
 */
export function dependencyEdges(entry: LockEntry, isProject: boolean): Map<string, EdgeType> {
  const edges = new Map<string, EdgeType>();
  for (const name of Object.keys(entry.peerDependencies ?? {}))
    edges.set(name, entry.peerDependenciesMeta?.[name]?.optional ? 'peerOptional' : 'peer');
  for (const name of Object.keys(entry.dependencies ?? {})) edges.set(name, 'prod');
  for (const name of Object.keys(entry.optionalDependencies ?? {})) edges.set(name, 'optional');
  if (isProject)
    for (const name of Object.keys(entry.devDependencies ?? {})) edges.set(name, 'dev');
  return edges;
}

/** Where Node (and npm) find `name` from a package at `from`: the nearest node_modules up the tree. */
export function resolveLocation(
  has: (location: string) => boolean,
  from: string,
  name: string,
): string | undefined {
  const segments = from === '' ? [] : from.split('/');
  for (let depth = segments.length; depth >= 0; depth--) {
    const dir = segments.slice(0, depth);
    if (dir.at(-1) === 'node_modules') continue;
    const candidate = [...dir, 'node_modules', name].join('/');
    if (has(candidate)) return candidate;
  }
  return undefined;
}

type Dependency = { type: EdgeType; target: string | undefined };
/** Root-lock location → its dependencies, each with the root-lock location the root install resolved it to. */
type Graph = Map<string, Map<string, Dependency>>;

/**
 * The packages an install of the workspace gets, found in the root tree. Optional peers are not
 * followed: npm installs them only when something else needs them (calc-dep-flags.js leaves a
 * package reached only through them extraneous, and prunes it).
 */
function installedGraph(packages: Packages, workspace: string, manifest: Manifest): Graph {
  const graph: Graph = new Map();
  const pending = [workspace];
  for (let location = pending.pop(); location !== undefined; location = pending.pop()) {
    if (graph.has(location)) continue;
    const entry = location === workspace ? manifest : packages[location]!;
    const dependencies = new Map<string, Dependency>();
    for (const [name, type] of dependencyEdges(entry, location === workspace)) {
      const target = resolveLocation((l) => l in packages, location, name);
      dependencies.set(name, { type, target });
      if (type === 'peerOptional') continue;
      if (target === undefined) {
        if (type === 'optional') continue;
        throw new Error(
          `${location} needs ${name} (${type}), which the root package-lock.json does not install: run \`npm install\` at the root`,
        );
      }
      if (packages[target]!.link)
        throw new Error(
          `${location} needs ${name}, a workspace link (${target}): Cloud Build cannot install it from functions/ alone`,
        );
      pending.push(target);
    }
    graph.set(location, dependencies);
  }
  return graph;
}

/** An optional dependency the root install lacks, or an optional peer, may be missing; any package found must be the root's. */
const isRequired = (type: EdgeType, target: string | undefined) =>
  type !== 'peerOptional' && (type !== 'optional' || target !== undefined);

const nestedLocation = (parent: string, name: string) =>
  parent === '' ? `node_modules/${name}` : `${parent}/node_modules/${name}`;

/**
 * Lays the packages out under functions/: the root's `node_modules/x` and the workspace's own
 * `functions/node_modules/x` both become `node_modules/x` (the workspace's copy wins, as it did for
 * the workspace), nested entries keep their nesting, and wherever Node's lookup would now find a
 * different package than the root install did, the right one is nested under the package that
 * needs it. Returns new location → root location ('' is the workspace).
 */
function layOut(graph: Graph, workspace: string): Map<string, string> {
  const placed = new Map<string, string>([['', workspace]]);
  const own = `${workspace}/`;
  const byPreference = [...graph.keys()]
    .filter((l) => l !== workspace)
    .sort((a, b) => Number(b.startsWith(own)) - Number(a.startsWith(own)));
  for (const location of byPreference) {
    const moved = location.startsWith(own) ? location.slice(own.length) : location;
    if (!moved.startsWith('node_modules/'))
      throw new Error(`${location} lies outside node_modules: cannot place it under functions/`);
    if (!placed.has(moved)) placed.set(moved, location);
  }
  // Each nesting fixes one lookup and may shadow a deeper one; a tree this deep is a bug.
  for (let round = 0; round < 100; round++) {
    let changed = false;
    for (const [at, from] of [...placed]) {
      for (const [name, { type, target }] of graph.get(from)!) {
        const found = resolveLocation((l) => placed.has(l), at, name);
        if (found === undefined ? !isRequired(type, target) : placed.get(found) === target)
          continue;
        const slot = nestedLocation(at, name);
        if (target === undefined || !graph.has(target) || placed.has(slot))
          throw new Error(
            `${at || workspace} would find ${name} at ${found ? placed.get(found) : 'nothing'}, where the root install gave it ${target ?? 'nothing'}`,
          );
        placed.set(slot, target);
        changed = true;
      }
    }
    if (!changed) return withoutUnreached(placed, graph);
  }
  throw new Error(
    'functions/node_modules does not settle: the root package-lock.json nests too deep to lay out',
  );
}

/** Only what the project reaches through its lookups: nesting can leave a hoisted copy unused. */
function withoutUnreached(placed: Map<string, string>, graph: Graph): Map<string, string> {
  const reached = new Map<string, string>();
  const pending = [''];
  for (let at = pending.pop(); at !== undefined; at = pending.pop()) {
    if (reached.has(at)) continue;
    reached.set(at, placed.get(at)!);
    for (const [name, { type }] of graph.get(placed.get(at)!)!) {
      if (type === 'peerOptional') continue;
      const found = resolveLocation((l) => placed.has(l), at, name);
      if (found !== undefined) pending.push(found);
    }
  }
  return reached;
}

type Flag = 'dev' | 'optional' | 'devOptional' | 'peer';
/** For each flag, the edge types a path must avoid for the flag to be unset (calc-dep-flags.js). */
const FLAG_AVOIDS: Record<Flag, EdgeType[]> = {
  dev: ['dev'],
  optional: ['optional', 'peerOptional'],
  devOptional: ['dev', 'optional', 'peerOptional'],
  peer: ['peer', 'peerOptional'],
};

/** npm's dependency flags for each placed package: set when every path to it crosses such an edge. */
function dependencyFlags(placed: Map<string, string>, graph: Graph): Map<string, Set<Flag>> {
  const flags = new Map<string, Set<Flag>>([...placed.keys()].map((at) => [at, new Set<Flag>()]));
  for (const [flag, avoids] of Object.entries(FLAG_AVOIDS) as Array<[Flag, EdgeType[]]>) {
    const clear = new Set<string>();
    const pending = [''];
    for (let at = pending.pop(); at !== undefined; at = pending.pop()) {
      if (clear.has(at)) continue;
      clear.add(at);
      for (const [name, { type }] of graph.get(placed.get(at)!)!) {
        const found = resolveLocation((l) => placed.has(l), at, name);
        if (found !== undefined && !avoids.includes(type)) pending.push(found);
      }
    }
    for (const at of placed.keys()) if (!clear.has(at)) flags.get(at)!.add(flag);
  }
  // devOptional is written only for a package needed by dev and by optional paths, neither alone.
  for (const set of flags.values())
    if (set.has('dev') || set.has('optional')) set.delete('devOptional');
  return flags;
}

function lockEntry(rootEntry: LockEntry, flags: Set<Flag>): LockEntry {
  const entry: LockEntry = Object.fromEntries(
    Object.entries(rootEntry).filter(([key]) => !(FLAGS as readonly string[]).includes(key)),
  );
  for (const flag of flags) entry[flag] = true;
  return entry;
}

/** The project's own entry, as npm writes it from package.json (shrinkwrap.js, pkgMetaKeys). */
function projectEntry(manifest: Manifest): LockEntry {
  const keys = [
    'name',
    'version',
    ...DEPENDENCY_KINDS,
    'peerDependenciesMeta',
    'bundleDependencies',
    'funding',
    'engines',
    'os',
    'cpu',
    'libc',
    'license',
    'bin',
    'workspaces',
  ];
  return Object.fromEntries(
    keys.filter((key) => manifest[key] !== undefined).map((key) => [key, manifest[key]]),
  );
}

/** A stale root lock would hand out packages for ranges functions/package.json no longer asks for. */
function assertRootLockCurrent(packages: Packages, workspace: string, manifest: Manifest): void {
  const locked = packages[workspace];
  if (!locked)
    throw new Error(
      `the root package-lock.json has no workspace "${workspace}": run \`npm install\` at the root`,
    );
  for (const kind of DEPENDENCY_KINDS)
    if (!isDeepStrictEqual(locked[kind] ?? {}, manifest[kind] ?? {}))
      throw new Error(
        `the root package-lock.json's ${kind} for ${workspace} differ from ${workspace}/package.json: run \`npm install\` at the root`,
      );
}

/** functions/package-lock.json (lockfileVersion 3) from the root lock and functions/package.json. */
export function functionsLockfile(
  rootLock: unknown,
  functionsManifest: unknown,
  workspace = 'functions',
): Lockfile {
  const { packages } = Lockfile.parse(rootLock);
  const manifest = Manifest.parse(functionsManifest);
  assertRootLockCurrent(packages, workspace, manifest);
  const graph = installedGraph(packages, workspace, manifest);
  const placed = layOut(graph, workspace);
  const flags = dependencyFlags(placed, graph);
  const entries = [...placed]
    .filter(([at]) => at !== '')
    .map(([at, from]) => [at, lockEntry(packages[from]!, flags.get(at)!)] as const);
  return {
    name: manifest.name,
    ...(manifest.version === undefined ? {} : { version: manifest.version }),
    lockfileVersion: 3,
    requires: true,
    packages: { '': projectEntry(manifest), ...Object.fromEntries(entries) },
  };
}

const NPM_KEY_ORDER = [
  'name',
  'version',
  'lockfileVersion',
  'resolved',
  'integrity',
  'requires',
  'packages',
  'dependencies',
];
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The file as npm writes it (json-stringify-nice with shrinkwrap.js's key order): in every object
 * npm's leading keys first, then scalars before objects, each alphabetical; so a later `npm ci`
 * or `npm install` in functions/ leaves it byte for byte alone.
 */
export function formatLockfile(lock: Lockfile): string {
  const rank = (key: string) =>
    NPM_KEY_ORDER.includes(key) ? NPM_KEY_ORDER.indexOf(key) : NPM_KEY_ORDER.length;
  const sorted = (_key: string, value: unknown) =>
    isObject(value)
      ? Object.fromEntries(
          Object.entries(value).sort(
            ([a, av], [b, bv]) =>
              Number(isObject(av)) - Number(isObject(bv)) ||
              rank(a) - rank(b) ||
              a.localeCompare(b, 'en'),
          ),
        )
      : value;
  return `${JSON.stringify(lock, sorted, 2)}\n`;
}

/** Why the committed lock is not the generated one, package by package; empty when it is. */
export function lockfileDifferences(committed: unknown, generated: Lockfile): string[] {
  if (!isObject(committed) || !isObject(committed.packages))
    return ['it is missing, not JSON, or has no "packages"'];
  const { packages: have, ...haveTop } = committed;
  const { packages: want, ...wantTop } = generated;
  const differences: string[] = [];
  if (!isDeepStrictEqual(haveTop, wantTop))
    differences.push('its header (name, lockfileVersion, requires) differs');
  for (const location of new Set([...Object.keys(want), ...Object.keys(have)]))
    if (!isDeepStrictEqual(have[location], want[location]))
      differences.push(
        !(location in have)
          ? `${location || '(the project)'} is missing`
          : !(location in want)
            ? `${location} should not be there`
            : `${location || '(the project)'} differs`,
      );
  return differences;
}

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

/** The committed lock, or undefined when it is absent or not JSON (a merge conflict's markers, say). */
function readCommitted(path: string): unknown {
  try {
    return existsSync(path) ? readJson(path) : undefined;
  } catch {
    return undefined;
  }
}

/** The CLI on the project at `root`: write functions/package-lock.json, or with --check fail when it is stale. */
export function runLockfileCli(
  argv: string[],
  root = ROOT,
  log: Pick<Console, 'log' | 'error'> = console,
): number {
  const target = join(root, 'functions', 'package-lock.json');
  let generated: Lockfile;
  try {
    generated = functionsLockfile(
      readJson(join(root, 'package-lock.json')),
      readJson(join(root, 'functions', 'package.json')),
    );
  } catch (error) {
    log.error(
      `functions/package-lock.json cannot be generated: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  }
  if (!argv.includes('--check')) {
    writeFileSync(target, formatLockfile(generated));
    log.log(
      `functions/package-lock.json: ${Object.keys(generated.packages).length - 1} packages from the root package-lock.json`,
    );
    return 0;
  }
  const differences = lockfileDifferences(readCommitted(target), generated);
  if (differences.length === 0) return 0;
  log.error(
    [
      'functions/package-lock.json is not what the root package-lock.json gives, so a deploy would install other',
      'dependency versions than the tests ran. Run `npm run lock:functions` and commit the result.',
      ...differences.slice(0, 10).map((line) => `  ${line}`),
      ...(differences.length > 10 ? [`  … and ${differences.length - 10} more`] : []),
    ].join('\n'),
  );
  return 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  process.exitCode = runLockfileCli(process.argv.slice(2));
