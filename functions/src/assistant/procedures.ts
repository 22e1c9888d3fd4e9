import { type Language, Procedure } from '@aurora/model';
import demo from './demoProcedures.json';
import questions from './keyQuestions.json';
import { withoutUnsure } from './keywords';
import { triage } from './triage';

/**
 * The demo set, also what callers are grounded in when Firestore has none or cannot be read.
 * Each procedure carries its key questions (keyQuestions.json, kept apart for its five languages);
 * the admin script seeds them into Firestore with the procedure.
 */
export const DEMO_PROCEDURES: Procedure[] = Procedure.array().parse(
  demo.map((p) => ({ ...p, questions: (questions as Record<string, unknown>)[p.id] })),
);

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
  const lists = procedures.map((p) =>
    [...p.keywords, ...(p.places ?? [])]
      // "?collapsed" is heard as "collapsed": the mark is the triage's, not a word.
      .flatMap((k) => withoutUnsure(k).split(/ \+ |\|/))
      .filter((k) => k.trim().length >= 3 && !k.startsWith('@')),
  );
  const phrases = new Set<string>();
  for (let i = 0; phrases.size < 500 && lists.some((list) => i < list.length); i++) {
    for (const list of lists)
      if (i < list.length && phrases.size < 500) phrases.add(list[i].trim());
  }
  return [...phrases].join(', ');
}
