/** Aurora's one error type. `retryable` tells a task queue handler whether a retry can cure it. */
export class AuroraError extends Error {
  readonly retryable: boolean;
  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AuroraError';
    this.retryable = options.retryable ?? false;
  }
}
