/** Aurora's one error type. `retryable` tells a task queue handler whether a retry can cure it. */
export class AuroraError extends Error {
  readonly retryable: boolean;
  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AuroraError';
    this.retryable = options.retryable ?? false;
  }
}

/**
 * A part of the deployment is missing (a Twilio account, a sender number, on-call numbers):
 * nothing was sent, a retry cannot cure it, and admins must be told.
 */
export class NotConfigured extends AuroraError {
  constructor(message: string) {
    super(message, { retryable: false });
    this.name = 'NotConfigured';
  }
}

/**
 * Rejects with a retryable AuroraError if `work` has not settled within `ms`. The Firestore SDK
 * waits out an unreachable backend rather than failing, and a task that hangs until the
 * function's own timeout wastes the retry budget.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AuroraError(`${what} took longer than ${ms} ms`, { retryable: true })),
      ms,
    );
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
