/**
 * The safety rules of docs/design.md, checked over whole simulated calls (test/simulation/): a fixed
 * seed and a fixed number of runs, so `npm test` is repeatable and quick. `npm run simulate --
 * --runs N [--seed S]` explores further; every counterexample goes to regressions.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { INVARIANTS, type InvariantCode } from './invariants';
import { describeFailure, runSimulation, type SimulationResult } from './simulate';

const SEED = 20251004;
const RUNS = 250;

describe('the safety simulation', () => {
  let checked: SimulationResult;
  let unchecked: SimulationResult;
  beforeAll(async () => {
    checked = await runSimulation({ runs: RUNS, seed: SEED });
    // A counterexample ends the runs early: then what the steps reach is seen in runs with nothing checked.
    unchecked = checked.failure
      ? await runSimulation({
          runs: 100,
          seed: SEED,
          except: Object.keys(INVARIANTS) as InvariantCode[],
        })
      : checked;
  }, 120_000);

  it(`keeps every safety invariant over ${RUNS} runs of seed ${SEED}`, () => {
    expect(
      checked.failure?.violations ?? [],
      checked.failure ? describeFailure(checked.failure) : '',
    ).toEqual([]);
  });

  // A simulation that stopped reaching the use cases (a TwiML change the stand-in no longer
  // reads, a step whose precondition never holds) would pass while checking nothing.
  it('exercises what the invariants are about', () => {
    const seen = (event: string) => unchecked.seen.get(event) ?? 0;
    for (const event of [
      'turn answered (used)',
      'turn answered with a speculated reply',
      "turn answered by the webhook's deadline fallback",
      'a call turned CRITICAL',
      'a live call was escalated',
      'a CRITICAL call was acknowledged',
      'a call was purged',
      'take: done',
      'say: done',
      'release: done',
      'bridge: done',
      'status callback completed: end',
      'task ran: archiveCall',
      'task ran: escalateCall',
      // With voice in play (issue 24): Talk, Call me, Transfer, the people on the legs, the
      // transcription of whoever speaks, and the caller back from the conference or hanging up in it.
      'browser talk: joins',
      'callme: done',
      'transfer: done',
      'phone: presses-1',
      'transcription (caller): recorded',
      'transcription (supervisor): recorded',
      'conference ended: ended through the REST API',
      '<Dial action> after the conference answered (used)',
      'the caller hung up in the conference',
      // Listening to a call nobody holds (issue 24, point 3): the listener brings the caller into
      // the conference, Aurora answers their words there by announcement, a listener speaks up
      // (taking the call), and the last one leaving returns the caller to Aurora's Gather.
      'listen on a call nobody holds (the caller at a Gather)',
      'transcription (caller): recorded, while Aurora answers them',
      'Aurora answered in the conference: announced',
      "Aurora's reply played into the conference",
      'speak up on a call nobody held: taken',
      'the last listener left: the caller is back at a Gather',
    ]) {
      expect(seen(event), event).toBeGreaterThan(0);
    }
  });
});
