/**
 * The simulation's own guards, which keep `npm run simulate` from running for ever: a run that
 * never comes to rest ends as a counterexample (R1.comes-to-rest) with its steps, shrunk like any
 * other, and a counterexample is shrunk and minimized for a bounded time (seed 99 once shrank for
 * over ten minutes, every shrink waiting out the functions' real-time retries).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replay, runSimulation } from './simulate';
import { ring, sweep, wait } from './steps';
import { RunawayRun, World } from './world';

/** Steps that take no real time: a run of them is quick whatever it spends. */
const quickSteps = fc.constantFrom(ring(0), wait(600), sweep());

describe('the simulation harness', () => {
  it('ends a run that overspends its event budget, recording R1.comes-to-rest once', () => {
    const world = new World({ eventBudget: 3 });
    for (let i = 0; i < 3; i++) world.spend('a callback');
    expect(() => world.spend('a callback')).toThrow(RunawayRun);
    // A loop that caught the first one still stops at its next event.
    expect(() => world.spend('a callback')).toThrow(RunawayRun);
    expect(world.violations).toEqual([
      expect.objectContaining({
        invariant: 'R1.comes-to-rest',
        detail: expect.stringContaining('4 × a callback'),
      }),
    ]);
  });

  it('replays a run that never comes to rest as a counterexample, whichever invariant is asked about', async () => {
    // An hour of clock stops (the sweeper every five minutes) is more than a budget of five.
    const run = await replay([ring(0), wait(3600)], { only: 'I3.utterance-once', eventBudget: 5 });
    expect(run.violations.map((v) => v.invariant)).toEqual(['R1.comes-to-rest']);
    expect(run.steps).toEqual([ring(0), wait(3600)]);
  });

  it('reports a runaway as a shrunk counterexample, not as a crash or a hang', async () => {
    // Every run overspends a budget of five at its end (two hours of clock stops): the smallest is no step at all.
    const result = await runSimulation({
      runs: 20,
      seed: 99,
      maxSteps: 4,
      steps: quickSteps,
      eventBudget: 5,
    });
    expect(result.failure?.violations[0]?.invariant).toBe('R1.comes-to-rest');
    expect(result.failure?.steps).toEqual([]);
    expect(result.foundIn?.run).toBe(1);
    expect(result.shrinkCut).toBe(false);
  });

  it('stops shrinking when its time is up, reporting the counterexample found so far', async () => {
    const result = await runSimulation({
      runs: 20,
      seed: 99,
      maxSteps: 4,
      steps: quickSteps,
      eventBudget: 5,
      shrinkForMs: 0,
    });
    expect(result.failure?.violations[0]?.invariant).toBe('R1.comes-to-rest');
    expect(result.shrinks).toBe(0);
    expect(result.shrinkCut).toBe(true);
  });
});
