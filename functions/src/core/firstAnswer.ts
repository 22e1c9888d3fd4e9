/**
 * The one answer a caller hears for a turn. Two parties can answer a turn: the turn itself, and
 * the webhook's deadline fallback when the turn is not done in time (Twilio waits 15 s). The
 * transcript must say what the caller heard, so whichever settles first is the answer, and the
 * other one learns it: a turn that finishes after the deadline records the fallback that was
 * spoken, and a deadline that fires while the turn's writes are in flight speaks the turn's answer.
 */
import type { Urgency } from '@aurora/model';

/** What was said to the caller, as the transcript records it. */
export type SpokenAnswer = {
  text: string;
  language: string;
  urgency: Urgency;
  sources: string[];
  fallback?: string;
};

export class FirstAnswer<T = SpokenAnswer> {
  private settled: T | undefined;
  /** Settles on `candidate` unless an answer was settled before; resolves the answer that stands. */
  settle(candidate: T): T {
    if (this.settled === undefined) this.settled = candidate;
    return this.settled;
  }
}
