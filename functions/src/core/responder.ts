import type { Urgency } from './urgency';

/** What Aurora says back to one caller utterance. */
export type Reply = {
  /** Plain speech, one to three short sentences. */
  text: string;
  urgency: Urgency;
  /** Titles of the procedures the reply rests on. */
  sources: string[];
};

export type Caller = { workerId: string; name?: string; site?: string; zone?: string };

/** Anything that can answer a caller: the offline responder now, an LLM later. */
export interface Responder {
  respond(input: { utterance: string; caller: Caller }): Promise<Reply>;
}
