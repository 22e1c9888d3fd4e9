/**
 * Retrying a step that failed for a moment. One failed transaction at the start of a turn used to
 * drop the caller's words ("fire… someone trapped" in no transcript): a database under load
 * refuses an operation now and then, and the next attempt, a few tens of milliseconds later,
 * usually succeeds. The waits are fixed (deterministic in tests) and never run past `until`.
 */
export type RetryOptions = {
  /** Attempts in all, the first included. */
  attempts?: number;
  /** The wait before the second attempt; each later wait is three times the one before. */
  firstWaitMs?: number;
  /** No attempt starts after this performance.now() time (the turn's deadline). */
  until?: number;
  /** Told of each failure that will be retried. */
  onRetry?: (err: unknown, attempt: number) => void;
};

/** `work`'s result, tried up to `attempts` times; rejects with the last error. */
export async function retrying<T>(work: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { attempts = 3, firstWaitMs = 40, until, onRetry } = options;
  let wait = firstWaitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const outOfTime = until !== undefined && performance.now() + wait >= until;
      if (attempt >= attempts || outOfTime) throw err;
      onRetry?.(err, attempt);
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait *= 3;
    }
  }
}
