import { z } from 'zod';
import { Urgency } from '../model/schema';
import type { Language } from './language';
import { triage } from './triage';

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
  /** The guidance (and title) in other languages, by language code: what a caller in that language hears. */
  translations: z.record(z.string(), z.object({ title: z.string().optional(), guidance: z.string() })).optional(),
});
export type Procedure = z.infer<typeof Procedure>;

/**
 * The procedures a caller's words point at, most dangerous first (as the words make them:
 * a negated hazard is left out, a hypothetical one ranks as NORMAL), then by how much of the
 * speech they match. Pure; `limit` caps the list.
 */
export function selectProcedures(speech: string, procedures: Procedure[], limit = 3): Procedure[] {
  return triage(speech, procedures).procedures.slice(0, limit);
}

/** The procedure's guidance in `language`, or as written when it has no translation. */
export function guidanceIn(procedure: Procedure, language: Language): string {
  return procedure.translations?.[language]?.guidance ?? procedure.guidance;
}

/**
 * Gather speech hints: the procedures' vocabulary (zones, equipment, chemicals), at most 500
 * phrases (Twilio's limit). Taken a keyword from each procedure in turn, so every procedure is
 * heard before the limit cuts; keywords of parts give each of their phrases (an "@id" choice
 * names another procedure's keywords, heard as that procedure's).
 */
export function speechHints(procedures: Procedure[]): string {
  const lists = procedures.map((p) => [...p.keywords, ...(p.places ?? [])].flatMap((k) => k.split(/ \+ |\|/)).filter((k) => k.trim().length >= 3 && !k.startsWith('@')));
  const phrases = new Set<string>();
  for (let i = 0; phrases.size < 500 && lists.some((list) => i < list.length); i++) {
    for (const list of lists) if (i < list.length && phrases.size < 500) phrases.add(list[i].trim());
  }
  return [...phrases].join(', ');
}
