import { sweepCalls } from '../calls/sweepCalls';
import type { Deps } from '../ports';
import { productionDeps } from './wiring';

/** The scheduled sweeper's handler: re-drives stalled archival, ends stale calls, prunes old records. */
export function sweepHandler(makeDeps: () => Deps = productionDeps) {
  return async (): Promise<void> => {
    await sweepCalls(makeDeps());
  };
}

export const handleSweep = sweepHandler();
