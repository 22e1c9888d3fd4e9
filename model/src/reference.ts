/**
 * The site's reference data in Firestore, as the functions read it and the admin script imports
 * it: the worker registry and the emergency procedures.
 */
import { z } from 'zod';
import { QuestionId, Urgency } from './schema';

/** workers/{E.164 phone number}: the registry of who may call. */
export const WorkerDoc = z.object({
  worker_id: z.string(),
  name: z.string().optional(),
  site: z.string().optional(),
  zone: z.string().optional(),
  /** The worker's language ('de', 'pt-BR'…): Aurora greets, hears and answers them in it. */
  language: z.string().optional(),
});
export type WorkerDoc = z.infer<typeof WorkerDoc>;

/**
 * A dispatcher's key question for a procedure's situation, asked when the caller's first words
 * leave urgency unsure (MPDS case entry: is the person awake, breathing normally, is anyone
 * trapped or hurt, is it real). Phrased so that one answer reassures: that answer, said
 * explicitly, lets urgency fall to `if_reassured`; any other answer confirms it.
 */
export const KeyQuestion = z.object({
  id: QuestionId,
  /** The question, in English, one short sentence a panicking caller can answer. */
  ask: z.string().min(1).max(200),
  /** The question in other languages, by language code. */
  translations: z.record(z.string(), z.string()).optional(),
  /** Which answer reassures: "Is he breathing normally?" yes; "Is anyone trapped?" no. */
  reassuring: z.enum(['yes', 'no']),
  /** Where urgency may fall to on the reassuring answer. */
  if_reassured: Urgency,
});
export type KeyQuestion = z.infer<typeof KeyQuestion>;

/** procedures/{id} in Firestore: one site emergency procedure. */
export const Procedure = z.object({
  id: z.string(),
  title: z.string(),
  urgency: Urgency,
  /**
   * Words and phrases (any language) that point a caller's speech at this procedure. A keyword
   * of parts joined by " + " matches when every part is said (in any order), each part a choice
   * of phrases joined by "|": "eye|eyes|skin + acid|caustic|bleach".
   */
  keywords: z.array(z.string()).min(1),
  /** Settings (a tank, a scaffold) that ground a question in this procedure without raising urgency. */
  places: z.array(z.string()).optional(),
  /** What to tell the caller: one or two spoken sentences. */
  guidance: z.string(),
  /**
   * Whom it is about: a `person` procedure (an injury, a collapse) does not apply when the
   * caller says nobody is hurt; a `hazard` one (a fire, a leak) still does. Default `hazard`.
   */
  about: z.enum(['person', 'hazard', 'info']).optional(),
  /**
   * The place can hurt whoever helps (live power, a bad atmosphere, fire, gas, a machine, an
   * attacker): said as such, it ranks before a casualty's care at its urgency, so a rescuer is
   * not the next casualty. `isolate`: made safe, the casualty can be helped, and the offline
   * answer goes on to their care ("do not touch him until the power is off", then CPR);
   * `avoid`: stay away (a confined space, a fire), and the answer says only that.
   */
  danger: z.enum(['avoid', 'isolate']).optional(),
  /** The recognised first-aid or safety source the guidance follows (Red Cross, ERC, OSHA, HSE, NIOSH…). */
  source: z.string().optional(),
  /** The key questions for its situation, the one that settles urgency first. */
  questions: z.array(KeyQuestion).max(4).optional(),
  /** The guidance (and title) in other languages, by language code: what a caller in that language hears. */
  translations: z
    .record(z.string(), z.object({ title: z.string().optional(), guidance: z.string() }))
    .optional(),
});
export type Procedure = z.infer<typeof Procedure>;
