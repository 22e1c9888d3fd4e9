/**
 * Structured logs: a fixed message and one object (firebase-functions' logger in production).
 * Phone numbers masked, transcripts never logged.
 */
export type Log = {
  info(message: string, data?: object): void;
  warn(message: string, data?: object): void;
  error(message: string, data?: object): void;
};

/** Milliseconds spent in named steps of one request, reported in its Server-Timing header. */
export type Timings = Record<string, number>;
