/**
 * Every `npm run …` script answers --help with its usage and refuses a bad flag with exit 2 and
 * the usage, never a stack trace; nothing here needs the stack, a build or a connection (the
 * scripts parse their command line before they load an SDK or start anything).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseSubcommand, wholeNumber, type Fail } from '../../../scripts/lib/command-line.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SCRIPTS = ['admin', 'bench', 'call', 'eval', 'ops', 'preflight', 'simulate', 'start'];

type Run = { code: number | null; stdout: string; stderr: string };

/** Runs a program from the project's root; killed if it outlives a usage answer. */
const run = (file: string, args: string[]) =>
  new Promise<Run>((resolve) => {
    execFile(file, args, { cwd: ROOT, timeout: 15_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number | null }).code ?? null) : 0, stdout, stderr }),
    );
  });
/** A script run with the project's Node, as `npm run` runs it. */
const script = (name: string, ...args: string[]) =>
  run(process.execPath, [join('scripts', `${name}.ts`), ...args]);

const STACK_FRAME = /^ {4}at /m;

describe.concurrent('every script', () => {
  it.each(SCRIPTS)(
    '%s --help prints its usage and exits 0, with nothing on stderr',
    async (name) => {
      const run = await script(name, '--help');
      expect(run.stdout).toMatch(/^usage: /);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    },
    20_000,
  );

  it.each(SCRIPTS)(
    '%s --no-such-flag names the flag, shows the usage and exits 2, with no stack trace',
    async (name) => {
      const run = await script(name, '--no-such-flag');
      expect(run.stderr).toContain(`${name}: Unknown option '--no-such-flag'\nusage: `);
      expect(run.stderr).not.toMatch(STACK_FRAME);
      expect(run.stdout).toBe('');
      expect(run.code).toBe(2);
    },
    20_000,
  );
});

describe.concurrent('npm run setup (a shell script)', () => {
  const setup = (arg: string) => run('/bin/bash', [join('scripts', 'setup.sh'), arg]);

  it('answers --help with its usage and exits 0, installing nothing', async () => {
    expect(await setup('--help')).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^usage: npm run setup/),
      stderr: '',
    });
  });

  it('refuses an unknown flag with exit 2 and the usage', async () => {
    expect(await setup('--no-such-flag')).toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining('setup: unknown option --no-such-flag\nusage: npm run setup'),
    });
  });
});

describe.concurrent('subcommands and arguments', () => {
  it('admin <subcommand> --help prints that subcommand usage', async () => {
    const run = await script('admin', 'import', 'workers', '-h');
    expect(run.stdout).toMatch(/^usage: npm run admin -- import workers <file.csv> \[--dry-run\]/);
    expect(run.stdout).toContain('--dry-run');
    expect(run.code).toBe(0);
  }, 20_000);

  it('admin refuses an unknown subcommand, a missing argument and an extra one with exit 2 and the usage', async () => {
    const [unknown, missing, extra, none] = await Promise.all([
      script('admin', 'promote', 'a@example.com'),
      script('admin', 'grant'),
      script('admin', 'revoke', 'a@example.com', 'b@example.com'),
      script('admin'),
    ]);
    expect(unknown).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        'admin: no command promote (there are grant, revoke, list, phone, import, export)\nusage: npm run admin -- <command>',
      ),
    });
    expect(missing).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        'admin: grant needs <email>\nusage: npm run admin -- grant <email>',
      ),
    });
    expect(extra).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        'admin: revoke takes <email>, not also b@example.com\nusage: npm run admin -- revoke <email>',
      ),
    });
    expect(none).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('admin: which command?'),
    });
    for (const run of [unknown, missing, extra, none]) expect(run.stderr).not.toMatch(STACK_FRAME);
  }, 20_000);

  it('admin refuses a phone that is not E.164, and phone without a number or --clear, with exit 2 and the usage, before connecting', async () => {
    const [grant, spaced, none, both, elsewhere] = await Promise.all([
      script('admin', 'grant', 'a@example.com', '--phone', '5551234567'),
      script('admin', 'phone', 'a@example.com', '+1 555 123 4567'),
      script('admin', 'phone', 'a@example.com'),
      script('admin', 'phone', 'a@example.com', '+15551234567', '--clear'),
      script('admin', 'revoke', 'a@example.com', '--phone', '+15551234567'),
    ]);
    expect(grant).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        'admin: 5551234567 is not an E.164 number: +, the country code and the number, digits only (like +15551234567)\nusage: npm run admin -- grant <email> [--password <p>] [--phone <E.164>]',
      ),
    });
    expect(spaced).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        'admin: +1 555 123 4567 is not an E.164 number: +, the country code and the number, digits only (like +15551234567)\nusage: npm run admin -- phone <email> <number|--clear>',
      ),
    });
    expect(none).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        'admin: phone needs <number> or --clear\nusage: npm run admin -- phone',
      ),
    });
    expect(both).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('admin: phone takes a <number> or --clear, not both'),
    });
    expect(elsewhere).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        'admin: revoke takes neither --phone nor --clear\nusage: npm run admin -- revoke <email>',
      ),
    });
    for (const run of [grant, spaced, none, both, elsewhere]) {
      expect(run.stdout).toBe('');
      expect(run.stderr).not.toMatch(STACK_FRAME);
    }
  }, 20_000);

  it('ops and preflight refuse a missing --project with exit 2 and the usage, before loading any client', async () => {
    const [ops, preflight, opsNoId] = await Promise.all([
      script('ops', 'queues'),
      script('preflight', '--fix'),
      script('ops', 'run', '--project', 'my-plant'),
    ]);
    expect(ops).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('ops: --project is required.\nusage: npm run ops -- queues'),
    });
    expect(preflight).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        'preflight: --project is required.\nusage: npm run preflight',
      ),
    });
    expect(opsNoId).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('ops: run needs <id>\nusage: npm run ops -- run <id>'),
    });
  }, 20_000);

  it('call takes the caller phrases as arguments; scripts without arguments refuse them', async () => {
    const [call, preflight] = await Promise.all([
      script('call', 'There is a fire', '--help'),
      script('preflight', 'my-plant'),
    ]);
    expect(call).toMatchObject({ code: 0, stdout: expect.stringMatching(/^usage: npm run call/) });
    expect(preflight).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("preflight: Unexpected argument 'my-plant'"),
    });
  }, 20_000);
});

describe('chooseSubcommand', () => {
  const grant = { name: 'grant', args: ['email'], usage: 'usage: grant' };
  const list = { name: 'list', args: [], usage: 'usage: list' };
  const importWorkers = {
    name: 'import workers',
    args: ['file.csv'],
    usage: 'usage: import workers',
  };
  const importProcedures = {
    name: 'import procedures',
    args: ['folder'],
    usage: 'usage: import procedures',
  };
  const all = [grant, list, importWorkers, importProcedures];

  it('names a subcommand of one or more words, with its arguments', () => {
    expect(chooseSubcommand(['grant', 'a@example.com'], all)).toEqual({
      ok: true,
      subcommand: grant,
      args: ['a@example.com'],
    });
    expect(chooseSubcommand(['import', 'workers', 'w.csv'], all)).toEqual({
      ok: true,
      subcommand: importWorkers,
      args: ['w.csv'],
    });
    expect(chooseSubcommand(['list'], all)).toEqual({ ok: true, subcommand: list, args: [] });
  });

  it('says what is missing, unknown or extra, and which subcommand was meant', () => {
    expect(chooseSubcommand([], all)).toEqual({
      ok: false,
      error: 'which command? (grant, list, import)',
      subcommand: null,
    });
    expect(chooseSubcommand(['export'], all)).toEqual({
      ok: false,
      error: 'no command export (there are grant, list, import)',
      subcommand: null,
    });
    expect(chooseSubcommand(['import'], all)).toEqual({
      ok: false,
      error: 'import what? import workers or import procedures',
      subcommand: null,
    });
    expect(chooseSubcommand(['import', 'admins', 'x'], all)).toEqual({
      ok: false,
      error: 'no command import admins (there are import workers, import procedures)',
      subcommand: null,
    });
    expect(chooseSubcommand(['import', 'procedures'], all)).toEqual({
      ok: false,
      error: 'import procedures needs <folder>',
      subcommand: importProcedures,
    });
    expect(chooseSubcommand(['list', 'all'], all)).toEqual({
      ok: false,
      error: 'list takes no arguments, not also all',
      subcommand: list,
    });
  });
});

describe('chooseSubcommand with an optional argument', () => {
  const phone = { name: 'phone', args: ['email', 'number?'], usage: 'usage: phone' };

  it('takes it or leaves it out, and still refuses what is missing or extra', () => {
    expect(chooseSubcommand(['phone', 'a@x', '+15551234567'], [phone])).toEqual({
      ok: true,
      subcommand: phone,
      args: ['a@x', '+15551234567'],
    });
    expect(chooseSubcommand(['phone', 'a@x'], [phone])).toEqual({
      ok: true,
      subcommand: phone,
      args: ['a@x'],
    });
    expect(chooseSubcommand(['phone'], [phone])).toEqual({
      ok: false,
      error: 'phone needs <email>',
      subcommand: phone,
    });
    expect(chooseSubcommand(['phone', 'a@x', '+1', '+2'], [phone])).toEqual({
      ok: false,
      error: 'phone takes <email> [<number>], not also +2',
      subcommand: phone,
    });
  });
});

describe('wholeNumber', () => {
  const fail: Fail = (message) => {
    throw new Error(message);
  };

  it('reads a whole number of at least the minimum', () => {
    expect(wholeNumber(fail, 'calls', '40', 1)).toBe(40);
    expect(wholeNumber(fail, 'render-samples', '0')).toBe(0);
  });

  it('refuses anything else as a usage error naming the flag (a bench with NaN calls never ends its warm-up)', () => {
    expect(() => wholeNumber(fail, 'calls', 'lots', 1)).toThrow(
      '--calls wants a whole number of at least 1, got lots',
    );
    expect(() => wholeNumber(fail, 'calls', '0', 1)).toThrow(
      '--calls wants a whole number of at least 1, got 0',
    );
    expect(() => wholeNumber(fail, 'concurrency', '2.5', 1)).toThrow('--concurrency wants');
    expect(() => wholeNumber(fail, 'speech-end', '', 0)).toThrow('--speech-end wants');
  });
});
