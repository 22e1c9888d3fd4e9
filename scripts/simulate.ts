/**
 * `npm run simulate -- --runs N [--seed S]`: the safety simulation of test/simulation/ run
 * longer than `npm test` runs it. Prints the seed and the runs, then either what the runs
 * exercised or the first counterexample, shrunk, with its invariant, as a regression test to
 * paste into test/simulation/regressions.test.ts. Exits 1 on a counterexample, 2 on a usage error.
 * Shrinking is bounded (--shrink-seconds): a counterexample whose runs wait out the functions'
 * real-time retries takes seconds per shrink, and seed 99 once shrank for over ten minutes
 * without a word; what it is doing meanwhile is printed as it goes.
 *
 * The simulation imports the functions' TypeScript sources and the in-memory ports of
 * test/helpers, which Node cannot load by itself (extensionless imports, CommonJS require in
 * ES modules): it is loaded through Vitest's module runner, as the tests load it.
 */
import { createVitest } from 'vitest/node';
import { parseCommandLine } from './lib/command-line.ts';
import { ROOT } from './lib/project.ts';

type Simulation = typeof import('../test/simulation/simulate.ts');
type Invariants = typeof import('../test/simulation/invariants.ts');

const USAGE = `usage: npm run simulate -- [--runs N] [--seed S] [--steps N] [--except INVARIANT,...] [--shrink-seconds N] [--verbose]
  --runs N            runs to make (default 1000)
  --seed S            fast-check's seed (default: a new one, printed)
  --steps N           the most steps in one run (default 40)
  --except I,…        invariants not checked, to look past a known defect (I1.escalated, I3.utterance-once, …)
  --shrink-seconds N  how long to shrink a counterexample, and then to minimize it (default 120);
                      the smallest found by then is printed
  --verbose           print what the runs exercised`;

const { values, fail: usage } = parseCommandLine('simulate', USAGE, {
  runs: { type: 'string', default: '1000' },
  seed: { type: 'string' },
  steps: { type: 'string', default: '40' },
  except: { type: 'string', default: '' },
  'shrink-seconds': { type: 'string', default: '120' },
  verbose: { type: 'boolean', default: false },
});

const integer = (
  name: 'runs' | 'seed' | 'steps' | 'shrink-seconds',
  raw: string,
  min: number,
): number => {
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min)
    usage(`--${name} wants a whole number of at least ${min}, got ${raw}`);
  return n;
};
const runs = integer('runs', values.runs, 1);
const steps = integer('steps', values.steps, 1);
const shrinkSeconds = integer('shrink-seconds', values['shrink-seconds'], 1);
// fast-check seeds are 32-bit integers.
const seed =
  values.seed === undefined
    ? (Date.now() ^ (process.pid << 16)) | 0
    : integer('seed', values.seed, -(2 ** 31));

const vitest = await createVitest('test', { root: ROOT, watch: false, project: ['unit'] });
try {
  const { INVARIANTS } = await vitest.import<Invariants>('/test/simulation/invariants.ts');
  const except = values.except
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = except.filter((code) => !(code in INVARIANTS));
  if (unknown.length > 0)
    usage(
      `--except: no invariant ${unknown.join(', ')} (there are ${Object.keys(INVARIANTS).join(', ')})`,
    );

  const { runSimulation, describeFailure } = await vitest.import<Simulation>(
    '/test/simulation/simulate.ts',
  );
  console.log(
    `seed ${seed}, ${runs} runs of at most ${steps} steps${except.length > 0 ? `, not checking ${except.join(', ')}` : ''}`,
  );
  const started = performance.now();
  const result = await runSimulation({
    runs,
    seed,
    maxSteps: steps,
    except: except as Parameters<typeof runSimulation>[0]['except'],
    shrinkForMs: shrinkSeconds * 1000,
    onProgress: (line) => console.log(line),
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (values.verbose || !result.failure) {
    console.log(`\nWhat the runs exercised (shrinking included):`);
    for (const [event, n] of [...result.seen].sort(([a], [b]) => a.localeCompare(b)))
      console.log(`${String(n).padStart(8)}  ${event}`);
  }
  if (result.failure) {
    const found = result.foundIn
      ? `found in run ${result.foundIn.run} after ${(result.foundIn.ms / 1000).toFixed(1)} s, `
      : '';
    const cut = result.shrinkCut
      ? ` (shrinking stopped after --shrink-seconds ${shrinkSeconds}: it may shrink further)`
      : '';
    console.log(
      `\nCounterexample (seed ${seed}, ${found}${result.shrinks} shrinks, ${seconds} s)${cut}:\n`,
    );
    console.log(describeFailure(result.failure));
    process.exitCode = 1;
  } else {
    console.log(`\nNo counterexample in ${runs} runs (seed ${seed}, ${seconds} s).`);
  }
} finally {
  await vitest.close();
}
