import { redact, redactDeep } from './masking';

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

/**
 * A log that never writes a caller's number: call ids (which hold it) become short references
 * and phone numbers are masked, in the message and in every string of the data, error texts
 * included. The production logger and every test that checks logging go through it.
 */
export function redactingLog(sink: Log): Log {
  const line = (write: Log['info']) => (message: string, data?: object) =>
    data === undefined
      ? write(redact(message))
      : write(redact(message), redactDeep(data) as object);
  return {
    info: line(sink.info.bind(sink)),
    warn: line(sink.warn.bind(sink)),
    error: line(sink.error.bind(sink)),
  };
}
