/**
 * scripts/install-system.sh's decisions, on a pretend machine as in checkSystem.test.ts: a
 * folder with the script, a PATH of stub commands only (apt-get, apt-cache, curl, gpg, java, id,
 * sudo, npx, plus a few real coreutils), and a log of every stub call. No real apt-get runs:
 * the stub "installs" a package by copying that package's stub commands onto the PATH.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../../../scripts/lib/project.ts';

const EMULATOR = 'google-cloud-cli-firestore-emulator';

type Machine = {
  /** The Java on PATH at the start ("21.0.5", "17.0.15"), or none. */
  java?: string;
  /** Packages apt offers from the configured sources (apt-cache policy shows a candidate). */
  candidates?: string[];
  /** Whether packages.cloud.google.com answers (curl of the key, then the repository itself). */
  googleReachable?: boolean;
  /** Whether Google's repository, once added and reachable, offers the emulator. */
  googleServesEmulator?: boolean;
  /** Whether firebase-tools' download (storage.googleapis.com) works. */
  firebaseDownloadWorks?: boolean;
  /** The user id `id -u` reports; not 0 means apt goes through sudo. */
  uid?: number;
  /** Whether curl and gpg are on the machine already. */
  curlAndGpg?: boolean;
  /** A source list naming Google's repository under another file name. */
  googleListElsewhere?: boolean;
  env?: Record<string, string>;
  args?: string[];
};
const dirs: string[] = [];

function script(path: string, body: string) {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

/** Runs the installer on a machine that has Chromium and lacks the Firestore emulator. */
function install(machine: Machine = {}) {
  const {
    java = '17.0.15',
    candidates = ['openjdk-17-jre-headless', 'chromium', 'curl', 'ca-certificates', 'gnupg'],
    googleReachable = true,
    googleServesEmulator = true,
    firebaseDownloadWorks = true,
    uid = 0,
    curlAndGpg = true,
    googleListElsewhere = false,
    env = {},
    args = [],
  } = machine;
  const root = mkdtempSync(join(tmpdir(), 'aurora-install-'));
  dirs.push(root);
  const bin = join(root, 'bin');
  const log = join(root, 'calls.log');
  const state = join(root, 'state');
  const debs = join(root, 'debs');
  for (const dir of [
    'scripts/lib',
    'bin',
    'node_modules/.bin',
    'state/candidates',
    'apt/sources.list.d',
    'keyrings',
    'cache',
  ])
    mkdirSync(join(root, dir), { recursive: true });
  for (const file of ['scripts/install-system.sh', 'scripts/lib/system-packages.sh'])
    copyFileSync(join(ROOT, file), join(root, file));
  // The few real tools the script uses besides the stubs.
  for (const real of ['cat', 'cp', 'grep', 'mktemp', 'rm', 'sed', 'tee', 'touch', 'dirname'])
    symlinkSync(
      spawnSync('/bin/sh', ['-c', `command -v ${real}`])
        .stdout.toString()
        .trim(),
      join(bin, real),
    );
  for (const name of candidates) writeFileSync(join(state, 'candidates', name), '');
  if (googleReachable) writeFileSync(join(state, 'google-reachable'), '');
  if (googleServesEmulator) writeFileSync(join(state, 'google-serves'), '');
  if (googleListElsewhere)
    writeFileSync(
      join(root, 'apt/sources.list.d/gcloud.sources'),
      'Types: deb\nURIs: https://packages.cloud.google.com/apt\nSuites: cloud-sdk\n',
    );

  // What each Debian package puts on the PATH, copied there when apt-get "installs" it.
  const deb = (name: string, tool: string, body: string) => {
    mkdirSync(join(debs, name), { recursive: true });
    script(join(debs, name, tool), body);
  };
  const javaStub = (version: string) => `echo 'openjdk version "${version}" 2024-10-15' >&2`;
  deb('openjdk-21-jre-headless', 'java', javaStub('21.0.5'));
  deb('openjdk-17-jre-headless', 'java', javaStub('17.0.15'));
  deb('curl', 'curl', readCurl(log, state));
  deb('gnupg', 'gpg', readGpg(log));
  if (java) script(join(bin, 'java'), javaStub(java));
  if (curlAndGpg) {
    script(join(bin, 'curl'), readCurl(log, state));
    script(join(bin, 'gpg'), readGpg(log));
  }
  script(join(bin, 'chromium'), '');
  script(join(bin, 'id'), `echo ${uid}`);
  script(join(bin, 'sudo'), `echo "sudo $*" >> ${log}; exec "$@"`);
  script(
    join(bin, 'apt-cache'),
    `echo "apt-cache $*" >> ${log}
[ "$1" = policy ] || exit 0
echo "$2:"
echo "  Installed: (none)"
if [ -e ${state}/candidates/"$2" ]; then echo "  Candidate: 1.0-1"; else echo "  Candidate: (none)"; fi`,
  );
  script(
    join(bin, 'apt-get'),
    `echo "apt-get $*" >> ${log}
case "$1" in
  update)
    # Google's repository serves the emulator once its source list is there and it answers.
    if [ -e ${root}/apt/sources.list.d/google-cloud-sdk.list ] && [ -e ${state}/google-serves ]; then
      touch ${state}/candidates/${EMULATOR}
    fi ;;
  install)
    for p in "$@"; do
      case "$p" in -*|install) continue ;; esac
      [ -e ${state}/candidates/"$p" ] || { echo "E: Unable to locate package $p" >&2; exit 100; }
      [ -d ${debs}/"$p" ] && cp ${debs}/"$p"/* ${bin}/
    done ;;
esac
exit 0`,
  );
  script(
    join(bin, 'npx'),
    `echo "npx $* (in $PWD)" >> ${log}
${firebaseDownloadWorks ? `touch ${root}/cache/cloud-firestore-emulator-v1.22.0.jar` : 'echo "download failed" >&2; exit 1'}`,
  );
  script(join(root, 'node_modules/.bin/firebase'), '');

  const result = spawnSync('/bin/bash', [join(root, 'scripts', 'install-system.sh'), ...args], {
    env: {
      PATH: bin,
      AURORA_FIRESTORE_JAR: join(root, 'gcloud-emulator.jar'),
      AURORA_SYSTEM_BIN: bin,
      AURORA_APT_DIR: join(root, 'apt'),
      AURORA_KEYRINGS_DIR: join(root, 'keyrings'),
      FIREBASE_EMULATORS_PATH: join(root, 'cache'),
      ...env,
    },
    encoding: 'utf8',
  });
  const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  const list = join(root, 'apt/sources.list.d/google-cloud-sdk.list');
  const keyring = join(root, 'keyrings/cloud.google.gpg');
  return {
    root,
    status: result.status,
    out: result.stdout + result.stderr,
    calls,
    list: existsSync(list) ? readFileSync(list, 'utf8') : undefined,
    keyring: existsSync(keyring) ? readFileSync(keyring, 'utf8') : undefined,
  };
}

/** curl: writes a key to `-o` when Google answers, else fails as curl does (exit 6, no host). */
function readCurl(log: string, state: string) {
  return `echo "curl $*" >> ${log}
out=""; while [ $# -gt 0 ]; do [ "$1" = -o ] && out="$2"; shift; done
[ -e ${state}/google-reachable ] || { echo "curl: (6) Could not resolve host" >&2; exit 6; }
echo "ARMORED KEY" > "$out"`;
}

/** gpg --dearmor: writes the "dearmored" key to `-o`. */
function readGpg(log: string) {
  return `echo "gpg $*" >> ${log}
out=""; while [ $# -gt 1 ]; do [ "$1" = -o ] && out="$2"; shift; done
echo "DEARMORED $(cat "$1")" > "$out"`;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('install-system.sh', () => {
  it('changes nothing on a machine that has everything', () => {
    const run = install({ env: { AURORA_FIRESTORE_JAR: '/bin/sh' } });
    expect(run.status).toBe(0);
    expect(run.out).toBe('system packages: all present\n');
    expect(run.calls).toEqual([]);
  });

  it('installs the emulator from the configured sources and adds no repository when apt offers it', () => {
    const run = install({ candidates: [EMULATOR] });
    expect(run.status).toBe(0);
    expect(run.calls).toEqual([
      'apt-get update -qq',
      `apt-cache policy ${EMULATOR}`,
      `apt-get install -y -qq ${EMULATOR}`,
    ]);
    expect(run.list).toBeUndefined();
    expect(run.keyring).toBeUndefined();
    expect(run.out).toContain(
      'installed google-cloud-cli-firestore-emulator from the apt sources already configured',
    );
  });

  it("adds Google's repository with its signed key as Google documents, then installs from it", () => {
    const run = install();
    expect(run.status).toBe(0);
    expect(run.keyring).toBe('DEARMORED ARMORED KEY\n');
    expect(run.list).toBe(
      `deb [signed-by=${run.root}/keyrings/cloud.google.gpg] https://packages.cloud.google.com/apt cloud-sdk main\n`,
    );
    const curl = run.calls.findIndex((call) => call.startsWith('curl '));
    expect(run.calls[curl]).toMatch(
      /^curl -fsSL .*https:\/\/packages\.cloud\.google\.com\/apt\/doc\/apt-key\.gpg$/,
    );
    expect(run.calls.slice(curl + 1)).toEqual([
      expect.stringMatching(
        new RegExp(`^gpg --dearmor --yes -o ${run.root}/keyrings/cloud.google.gpg /`),
      ),
      'apt-get update -qq',
      `apt-cache policy ${EMULATOR}`,
      `apt-get install -y -qq ${EMULATOR}`,
    ]);
    expect(run.out).toContain("added Google's Cloud SDK apt repository");
    expect(run.out).not.toContain('firebase-tools');
  });

  it('asks sudo for everything that needs root when run as a user, and only for that', () => {
    const run = install({ uid: 1000 });
    expect(run.status).toBe(0);
    const sudo = run.calls.filter((call) => call.startsWith('sudo '));
    expect(sudo.map((call) => call.split(' ')[1])).toEqual([
      'apt-get',
      'gpg',
      'tee',
      'apt-get',
      'apt-get',
    ]);
    expect(run.calls.some((call) => /^sudo (curl|apt-cache)/.test(call))).toBe(false);
  });

  it("falls back to firebase-tools' own download where Google's repository is unreachable and Java 21 is here, and says so", () => {
    const run = install({ java: '21.0.5', googleReachable: false });
    expect(run.status).toBe(0);
    expect(run.list).toBeUndefined();
    expect(run.keyring).toBeUndefined();
    expect(run.calls).toContain(`npx firebase setup:emulators:firestore (in ${run.root})`);
    expect(run.calls.some((call) => /^apt-get install/.test(call))).toBe(false);
    expect(run.out).toContain("Google's apt repository cannot be reached");
    expect(run.out).toContain(
      "Google's apt repository is out of reach, so firebase-tools downloaded its own emulator (npx firebase setup:emulators:firestore)",
    );
  });

  it('installs Java 21 where the release has it, which then lets the firebase-tools download run', () => {
    const run = install({
      java: '',
      googleReachable: false,
      candidates: ['openjdk-21-jre-headless', 'openjdk-17-jre-headless'],
    });
    expect(run.status).toBe(0);
    expect(run.calls).toContain('apt-get install -y -qq openjdk-21-jre-headless');
    expect(run.out).toContain('firebase-tools runs it on this Java 21');
  });

  it('installs Java 17 on a release without 21 (Debian 12) and Java 21 on one without 17 (Debian 13)', () => {
    expect(install({ java: '', candidates: ['openjdk-17-jre-headless'] }).calls).toContain(
      'apt-get install -y -qq openjdk-17-jre-headless',
    );
    expect(install({ java: '', candidates: ['openjdk-21-jre-headless'] }).calls).toContain(
      'apt-get install -y -qq openjdk-21-jre-headless',
    );
  });

  it("first installs curl and gnupg from the archive where Google's instructions need them", () => {
    const run = install({ curlAndGpg: false });
    expect(run.status).toBe(0);
    expect(run.calls).toContain('apt-get install -y -qq curl ca-certificates gnupg');
    expect(run.list).toContain('cloud-sdk main');
  });

  it('fails naming both ways when the repository is unreachable and Java is older than 21', () => {
    const run = install({ java: '17.0.15', googleReachable: false });
    expect(run.status).toBe(1);
    expect(run.calls.some((call) => /^npx/.test(call))).toBe(false);
    expect(run.list).toBeUndefined();
    expect(run.out).toContain(
      'could not install the official Firestore emulator. Either of two ways works:',
    );
    expect(run.out).toContain(
      "Google's Cloud SDK apt repository (https://packages.cloud.google.com/apt",
    );
    expect(run.out).toContain('Java 21 or later (this machine has Java 17)');
    expect(run.out).toContain('npx firebase setup:emulators:firestore');
  });

  it("fails naming both ways when Java 21 is here but firebase-tools' download fails too", () => {
    const run = install({ java: '21.0.5', googleReachable: false, firebaseDownloadWorks: false });
    expect(run.status).toBe(1);
    expect(run.out).toContain('Either of two ways works');
  });

  it("adds no second source for Google's repository where one is configured under another name", () => {
    const run = install({ java: '17.0.15', googleListElsewhere: true });
    expect(run.status).toBe(1);
    expect(run.list).toBeUndefined();
    expect(run.calls.some((call) => /^curl/.test(call))).toBe(false);
    expect(run.out).toContain('already configured in');
  });

  it('takes its source list back when Google answers for the key but the repository offers no emulator', () => {
    // Say, an architecture Google does not build for: a source apt cannot use must not stay
    // behind to trouble later apt-get updates.
    const run = install({ java: '17.0.15', googleServesEmulator: false });
    expect(run.status).toBe(1);
    expect(run.calls).toContain('apt-get update -qq');
    expect(run.list).toBeUndefined();
    expect(run.out).toContain('offers no google-cloud-cli-firestore-emulator here; removed');
    expect(run.out).toContain('Either of two ways works');
  });

  it('on --dry-run, runs nothing that changes the machine and says what it would do', () => {
    const run = install({ args: ['--dry-run'] });
    expect(run.status).toBe(0);
    expect(run.list).toBeUndefined();
    expect(run.keyring).toBeUndefined();
    expect(run.calls.filter((call) => /^(apt-get|gpg|sudo|npx)/.test(call))).toEqual([]);
    expect(run.out).toContain('would run: apt-get update -qq');
    expect(run.out).toContain('would run: gpg --dearmor');
    expect(run.out).toContain(`would run: apt-get install -y -qq ${EMULATOR}`);
  });
});
