/**
 * A script's command line: its options parsed with `--help`/`-h` added, the usage printed and
 * exit 0 on `--help`, exit 2 with the message and the usage on a bad flag. `fail` reports the
 * script's own usage errors (a value out of range) the same way.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

const HELP = { help: { type: 'boolean', short: 'h', default: false } } as const;

export function parseCommandLine<const O extends ParseArgsOptionsConfig>(command: string, usage: string, options: O) {
  function fail(message: string): never {
    console.error(`${command}: ${message}\n${usage}`);
    process.exit(2);
  }
  let parsed: ReturnType<typeof parseArgs<{ options: typeof HELP & O }>>;
  try {
    parsed = parseArgs({ options: { ...HELP, ...options } });
  } catch (err) {
    fail((err as Error).message);
  }
  // The parsed type stays unresolved while O is generic: TypeScript cannot see `help` in it here.
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(0);
  }
  return { values: parsed.values, fail };
}
