/**
 * The simulation as one property: for any sequence of steps fast-check draws (model-based
 * commands, run against a fresh World), every safety invariant holds after every step, and
 * the end-of-run invariants hold once the world is at rest. A counterexample is shrunk, then
 * replayed once more to tell its story. `npm test` runs it with a fixed seed
 * (safety.test.ts); `npm run simulate -- --runs N [--seed S]` runs it longer.
 */
import fc from 'fast-check';
import { INVARIANTS, type InvariantCode, type Violation } from './invariants';
import {
  applicable,
  formatStep,
  modelOf,
  runStep,
  stepArbitrary,
  voiceStepArbitrary,
  type Model,
  type Step,
} from './steps';
import { RunawayRun, World } from './world';

export type SimulationOptions = {
  runs: number;
  seed: number;
  /** Invariants not checked (for looking past a known defect that is not fixed yet). */
  except?: InvariantCode[];
  /** The most steps in one run. */
  maxSteps?: number;
  /**
   * How long to shrink a counterexample once one is found, and then as long again to minimize
   * it; the smallest found by then is reported. Unbounded unless told: a run whose faults make
   * the functions wait out their retries in real time (core/retry.ts, about 5 s for five refusals
   * in a row) makes every shrink that keeps them as slow, and seed 99 shrank for over ten minutes.
   */
  shrinkForMs?: number;
  /** Told what the simulation is doing when it takes long: a counterexample found, shrunk, minimized. */
  onProgress?: (line: string) => void;
  /** The most events one run may take (world.ts EVENT_BUDGET unless told; a test of the guard lowers it). */
  eventBudget?: number;
  /**
   * The steps to draw from (exploring one area). Unless told otherwise, three runs in four draw
   * from stepArbitrary and one from voiceStepArbitrary, so faults land while humans talk too.
   */
  steps?: fc.Arbitrary<Step>;
};

export type Counterexample = {
  /** The steps that ran, shrunk: a regression test's body. */
  steps: Step[];
  violations: Violation[];
  /** What happened, step by step. */
  story: string[];
};

export type SimulationResult = {
  seed: number;
  runs: number;
  failure: Counterexample | null;
  shrinks: number;
  interrupted: boolean;
  /** The run (counted from 1) that found the counterexample, and when (ms from the start). */
  foundIn?: { run: number; ms: number };
  /** Shrinking or minimizing ran out of shrinkForMs: the counterexample may shrink further. */
  shrinkCut: boolean;
  /** How often each kind of event happened over every run (shrinking included): what was exercised. */
  seen: Map<string, number>;
};

/** A violation ends the run: thrown from the step that revealed it. */
class InvariantBroken extends Error {
  constructor(readonly violations: Violation[]) {
    super(
      violations
        .map((v) => `${v.invariant} (${v.callSid}, step ${v.step}): ${v.detail}`)
        .join('\n'),
    );
  }
}

/** What broke, less the invariants excepted; a runaway (R1) always counts: its run ended early either way. */
const brokenIn = (world: World, except: ReadonlySet<string>) =>
  world.violations.filter((v) => v.invariant === 'R1.comes-to-rest' || !except.has(v.invariant));

/** Runs a step (or a run's end); a run that overspent its event budget stops there, its R1 violation recorded. */
async function untilRunaway(work: Promise<void>) {
  try {
    await work;
  } catch (err) {
    if (!(err instanceof RunawayRun)) throw err;
  }
}

/** One step as a fast-check command: applicable by its precondition; it fails the run if it reveals a violation. */
class StepCommand implements fc.AsyncCommand<Model, World> {
  constructor(
    readonly step: Step,
    private readonly except: ReadonlySet<string>,
  ) {}
  check(model: Readonly<Model>) {
    return applicable(this.step, model);
  }
  async run(model: Model, world: World) {
    await untilRunaway(runStep(world, this.step));
    Object.assign(model, modelOf(world));
    const broken = brokenIn(world, this.except);
    if (broken.length > 0) throw new InvariantBroken(broken);
  }
  toString() {
    return formatStep(this.step);
  }
}

/**
 * Runs `steps` in a fresh world as the property does: a step that cannot happen now is skipped,
 * the run stops at the first violation, and a run that got through all its steps is brought to
 * rest and checked again. Resolves the steps that ran, what broke, and the story.
 */
export async function replay(
  steps: Step[],
  {
    except = [] as readonly string[],
    only,
    eventBudget,
  }: { except?: readonly string[]; only?: InvariantCode; eventBudget?: number } = {},
): Promise<Counterexample> {
  const world = new World({ eventBudget });
  // With `only`, no other invariant ends the run early: the one a regression test is about is always reached.
  const skip = new Set(only ? Object.keys(INVARIANTS).filter((code) => code !== only) : except);
  const ran: Step[] = [];
  await world.open();
  try {
    for (const step of steps) {
      if (!applicable(step, modelOf(world))) continue;
      ran.push(step);
      await untilRunaway(runStep(world, step));
      if (brokenIn(world, skip).length > 0)
        return { steps: ran, violations: brokenIn(world, skip), story: world.story };
    }
    await untilRunaway(world.finish());
    return { steps: ran, violations: brokenIn(world, skip), story: world.story };
  } finally {
    world.close();
  }
}

/**
 * Makes a counterexample as small as it goes: drops each step, then each option of a step,
 * while the replay still breaks the same invariant. fast-check's shrinker stops at a local
 * minimum of the command list; this pass makes the regression test read as the defect.
 * `until` (performance.now() time): the smallest found by then, and `cut` when out of time.
 */
export async function minimize(
  counterexample: Counterexample,
  except: readonly string[] = [],
  { until = Infinity, eventBudget }: { until?: number; eventBudget?: number } = {},
): Promise<Counterexample & { cut?: boolean }> {
  const invariant = counterexample.violations[0]?.invariant;
  if (!invariant) return counterexample;
  let best = counterexample;
  let cut = false;
  const stillBroken = async (steps: Step[]) => {
    // Out of time, no candidate is tried: every loop below then ends at once.
    if (performance.now() >= until) {
      cut = true;
      return null;
    }
    const run = await replay(steps, { except, eventBudget });
    return run.violations.some((v) => v.invariant === invariant) ? run : null;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let i = best.steps.length - 1; i >= 0; i--) {
      const run = await stillBroken(best.steps.filter((_, j) => j !== i));
      if (run) {
        best = run;
        changed = true;
      }
    }
    // Two steps that only matter together (a fault and the step that used up its `after`).
    for (let i = best.steps.length - 1; i > 0 && !changed; i--) {
      for (let j = i - 1; j >= 0 && !changed; j--) {
        const run = await stillBroken(best.steps.filter((_, k) => k !== i && k !== j));
        if (run) {
          best = run;
          changed = true;
        }
      }
    }
    for (let i = 0; i < best.steps.length; i++) {
      for (const simpler of simplerSteps(best.steps[i])) {
        const run = await stillBroken(best.steps.map((s, j) => (j === i ? simpler : s)));
        if (run) {
          best = run;
          changed = true;
          break;
        }
      }
    }
  }
  return cut ? { ...best, cut } : best;
}

/** The same step with one option fewer, or a fault's count down to one. */
function simplerSteps(step: Step): Step[] {
  const fixed = new Set([
    'kind',
    'slot',
    'words',
    'who',
    'action',
    'status',
    'seconds',
    'pick',
    'answer',
    'fault',
  ]);
  const fewer = Object.keys(step)
    .filter((key) => !fixed.has(key))
    .map((key) => Object.fromEntries(Object.entries(step).filter(([k]) => k !== key)) as Step);
  if (step.kind === 'fault' && 'count' in step.fault && step.fault.count > 1)
    fewer.push({ ...step, fault: { ...step.fault, count: 1 } } as Step);
  if (step.kind === 'fault' && step.fault.port === 'database' && step.fault.after) {
    fewer.push({ ...step, fault: { ...step.fault, after: undefined } });
    for (let after = step.fault.after - 1; after > 0; after--)
      fewer.push({ ...step, fault: { ...step.fault, after } });
  }
  return fewer;
}

export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const except = new Set<string>(options.except ?? []);
  const commandsOf = (steps: fc.Arbitrary<Step>) =>
    fc.commands([steps.map((step) => new StepCommand(step, except))], {
      maxCommands: options.maxSteps ?? 40,
      size: 'max',
    });
  const runs = options.steps
    ? commandsOf(options.steps)
    : fc.oneof(
        { weight: 3, arbitrary: commandsOf(stepArbitrary) },
        { weight: 1, arbitrary: commandsOf(voiceStepArbitrary) },
      );
  const seen = new Map<string, number>();
  const started = performance.now();
  const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
  const progress = options.onProgress ?? (() => {});
  const shrinkFor = options.shrinkForMs ?? Infinity;
  let run = 0;
  let foundIn: { run: number; ms: number } | undefined;
  let shrinkCut = false;
  let lastProgress = 0;
  const property = fc.asyncProperty(runs, async (commands) => {
    run++;
    if (foundIn && performance.now() - started - foundIn.ms >= shrinkFor) {
      // Out of time for shrinking: every candidate left passes untried, which ends the shrink at
      // the smallest counterexample so far.
      shrinkCut = true;
      return;
    }
    const world = new World({ eventBudget: options.eventBudget });
    await world.open();
    try {
      await fc.asyncModelRun(() => ({ model: modelOf(world), real: world }), commands);
      await untilRunaway(world.finish());
      const broken = brokenIn(world, except);
      if (broken.length > 0) throw new InvariantBroken(broken);
    } catch (err) {
      // The first failure is the counterexample found; each later one is a smaller one (a shrink).
      const steps = world.seen.get('step') ?? 0;
      if (!foundIn) {
        foundIn = { run, ms: performance.now() - started };
        lastProgress = performance.now();
        progress(
          `Run ${run} broke ${String(err instanceof InvariantBroken ? err.violations[0]?.invariant : err)} after ${seconds(started)}: shrinking it${Number.isFinite(shrinkFor) ? ` (for at most ${shrinkFor / 1000} s)` : ''}…`,
        );
      } else if (performance.now() - lastProgress > 10_000) {
        lastProgress = performance.now();
        progress(`  still shrinking, ${seconds(started + foundIn.ms)} in: down to ${steps} steps`);
      }
      throw err;
    } finally {
      world.close();
      world.count('run');
      world.count(`archive written`);
      for (const [event, n] of world.seen)
        seen.set(
          event,
          (seen.get(event) ?? 0) + (event === 'archive written' ? world.archive.writes : n),
        );
    }
  });
  const details = await fc.check(property, { seed: options.seed, numRuns: options.runs });
  const result = {
    seed: options.seed,
    runs: options.runs,
    shrinks: details.numShrinks,
    interrupted: details.interrupted,
    foundIn,
    shrinkCut,
    seen,
  };
  if (!details.failed || !details.counterexample) return { ...result, failure: null };
  const [commands] = details.counterexample as unknown as [
    Iterable<{ cmd: StepCommand; hasRan: boolean }>,
  ];
  const shrunk = [...commands].filter((c) => c.hasRan).map((c) => c.cmd.step);
  const minimizing = performance.now();
  progress(
    `Shrunk ${details.numShrinks} times${shrinkCut ? ' (out of time)' : ''}, to ${shrunk.length} steps, in ${seconds(started + (foundIn?.ms ?? 0))}: minimizing…`,
  );
  const { eventBudget } = options;
  const { cut, ...failure } = await minimize(
    await replay(shrunk, { except: [...except], eventBudget }),
    [...except],
    { until: minimizing + shrinkFor, eventBudget },
  );
  progress(
    `Minimized to ${failure.steps.length} steps${cut ? ' (out of time)' : ''} in ${seconds(minimizing)}.`,
  );
  return { ...result, shrinkCut: shrinkCut || !!cut, failure };
}

/** A counterexample as a regression test to paste into regressions.test.ts, with its story. */
export function describeFailure(failure: Counterexample): string {
  const [first] = failure.violations;
  const lines = [
    `Invariant ${first?.invariant ?? '(none on replay)'}: ${first ? INVARIANTS[first.invariant] : ''}`,
    ...failure.violations.map(
      (v) => `  ${v.invariant} at step ${v.step} (${v.callSid}): ${v.detail}`,
    ),
    '',
    'As a regression test (test/simulation/regressions.test.ts):',
    `  it('…', () =>`,
    `    holds('${first?.invariant ?? '?'}', [`,
    ...failure.steps.map((s) => `      ${formatStep(s)},`),
    `    ]));`,
    '',
    'What happened:',
    ...failure.story,
  ];
  return lines.join('\n');
}
