import type { Language, LiveMessage, Procedure, QuestionId, Urgency } from '@aurora/model';
import type { Caller } from '../ports';

/** What Aurora says back to one caller utterance. */
export type Reply = {
  /** Plain speech, one to three short sentences. */
  text: string;
  urgency: Urgency;
  /** Titles of the procedures the reply rests on. */
  sources: string[];
  /** Set when the reply did not come from the primary model: 'retry', 'fallback-model' or 'offline'. */
  fallback?: string;
  /** The model thinks a human should take over. */
  handoff?: boolean;
  /** The key question the reply ends with: the caller's next words are read as its answer. */
  question?: { procedure: string; id: QuestionId };
  /** The reply's urgency rests on unsure words: alarmed at once, marked unconfirmed until settled. */
  provisional?: boolean;
};

export type ResponderInput = {
  utterance: string;
  caller: Caller;
  /** The call's earlier messages, oldest first. */
  history: Pick<LiveMessage, 'role' | 'content'>[];
  /** Every site procedure; a responder grounds its answer in the ones the words point at. */
  procedures: Procedure[];
  /** The language to answer in (the registry's, else detected); responders detect it themselves when absent. */
  language?: Language;
  /** The most time the answer may take from now: what is left of the turn's budget since the request arrived. */
  withinMs?: number;
};

/** Anything that can answer a caller: the offline responder, or a model with it as fallback. */
export interface Responder {
  respond(input: ResponderInput): Promise<Reply>;
}
