/**
 * A script's command line: its options parsed with `--help`/`-h` added, the usage printed and
 * exit 0 on `--help`, exit 2 with the message and the usage on a bad flag. `fail` reports the
 * script's own usage errors (a value out of range) the same way. A script with subcommands
 * (`npm run admin -- grant <email>`) names each with its arguments and its own usage: an unknown
 * subcommand or a missing argument is a usage error too, and `<subcommand> --help` prints its usage.
 *
 * Scripts parse before they import anything heavy or connect anywhere, so `--help` answers on a
 * machine with nothing running or built.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

const HELP = { help: { type: 'boolean', short: 'h', default: false } } as const;

type Values<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ options: typeof HELP & O }>
>['values'];
export type Fail = (message: string) => never;

function failWith(command: string, usage: string): Fail {
  return (message) => {
    console.error(`${command}: ${message}\n${usage}`);
    process.exit(2);
  };
}

function parse<O extends ParseArgsOptionsConfig>(
  options: O,
  allowPositionals: boolean,
  fail: Fail,
) {
  try {
    const { values, positionals } = parseArgs({
      options: { ...HELP, ...options },
      allowPositionals,
    });
    // The parsed type stays unresolved while O is generic: TypeScript cannot see `help` in it here.
    return {
      values: values as Values<O>,
      positionals,
      help: (values as { help?: boolean }).help === true,
    };
  } catch (err) {
    // Node's hint for a phrase that starts with '-' ("place it … after '--'") misleads under npm run, which takes the first '--'.
    return fail((err as Error).message.replace(/\. To specify a positional argument[^]*$/, ''));
  }
}

function printUsage(usage: string): never {
  console.log(usage);
  process.exit(0);
}

/** `allowPositionals`: the script takes arguments besides its flags (`npm run call -- "words" …`). */
export function parseCommandLine<const O extends ParseArgsOptionsConfig>(
  command: string,
  usage: string,
  options: O,
  { allowPositionals = false } = {},
) {
  const fail = failWith(command, usage);
  const { values, positionals, help } = parse(options, allowPositionals, fail);
  if (help) printUsage(usage);
  return { values, positionals, fail };
}

/**
 * A subcommand: the words that name it (`import workers`), the names of the arguments after them
 * (a name ending in `?` may be left out, after those that may not), and its usage.
 */
export type Subcommand = {
  readonly name: string;
  readonly args: readonly string[];
  readonly usage: string;
};

/** The subcommand the arguments name, with its own; or what is wrong with them, and the subcommand they seem to mean. */
export type Chosen<S extends Subcommand> =
  { ok: true; subcommand: S; args: string[] } | { ok: false; error: string; subcommand: S | null };

const words = (s: Subcommand) => s.name.split(' ');
const required = (s: Subcommand) => s.args.filter((a) => !a.endsWith('?')).length;
const shown = (arg: string) => (arg.endsWith('?') ? `[<${arg.slice(0, -1)}>]` : `<${arg}>`);

export function chooseSubcommand<S extends Subcommand>(
  positionals: readonly string[],
  subcommands: readonly S[],
): Chosen<S> {
  const named = subcommands.filter((s) => words(s).every((word, i) => positionals[i] === word));
  // Longest name first: a subcommand may be named by the first words of another.
  const subcommand = named.sort((a, b) => words(b).length - words(a).length)[0];
  const [first] = positionals;
  if (!subcommand) {
    const firsts = [...new Set(subcommands.map((s) => words(s)[0]))];
    if (first === undefined)
      return { ok: false, error: `which command? (${firsts.join(', ')})`, subcommand: null };
    const seconds = subcommands.filter((s) => words(s)[0] === first).map((s) => words(s)[1]);
    if (seconds.length === 0)
      return {
        ok: false,
        error: `no command ${first} (there are ${firsts.join(', ')})`,
        subcommand: null,
      };
    const second = positionals[1];
    const names = seconds.map((word) => `${first} ${word}`);
    if (second === undefined)
      return { ok: false, error: `${first} what? ${names.join(' or ')}`, subcommand: null };
    return {
      ok: false,
      error: `no command ${first} ${second} (there are ${names.join(', ')})`,
      subcommand: null,
    };
  }
  const args = positionals.slice(words(subcommand).length);
  const wanted = required(subcommand);
  const most = subcommand.args.length;
  if (args.length < wanted)
    return {
      ok: false,
      error: `${subcommand.name} needs ${subcommand.args
        .slice(args.length, wanted)
        .map(shown)
        .join(' ')}`,
      subcommand,
    };
  if (args.length > most)
    return {
      ok: false,
      error: `${subcommand.name} takes ${most === 0 ? 'no arguments' : subcommand.args.map(shown).join(' ')}, not also ${args.slice(most).join(' ')}`,
      subcommand,
    };
  return { ok: true, subcommand, args };
}

/**
 * A script whose first arguments name a subcommand. `--help` prints the usage of the subcommand
 * named, else `usage`; usage errors show the subcommand's usage when one is named. `fail` reports
 * the subcommand's own usage errors.
 */
export function parseSubcommandLine<
  const O extends ParseArgsOptionsConfig,
  const S extends Subcommand,
>(command: string, usage: string, subcommands: readonly S[], options: O) {
  const { values, positionals, help } = parse(options, true, failWith(command, usage));
  const chosen = chooseSubcommand(positionals, subcommands);
  const usageHere = chosen.subcommand?.usage ?? usage;
  if (help) printUsage(usageHere);
  const fail = failWith(command, usageHere);
  if (!chosen.ok) return fail(chosen.error);
  return { values, subcommand: chosen.subcommand.name as S['name'], args: chosen.args, fail };
}

/** A flag's value as a whole number of at least `min`, or a usage error. */
export function wholeNumber(fail: Fail, flag: string, raw: string, min = 0): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min)
    fail(`--${flag} wants a whole number of at least ${min}, got ${raw}`);
  return n;
}
