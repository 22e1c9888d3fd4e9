import { z } from 'zod';
import { rank } from '../core/urgency';
import { Urgency } from '../model/schema';

/** procedures/{id} in Firestore: one site emergency procedure. */
export const Procedure = z.object({
  id: z.string(),
  title: z.string(),
  urgency: Urgency,
  /** Words and phrases (any language) that point a caller's speech at this procedure. */
  keywords: z.array(z.string()).min(1),
  /** What to tell the caller: one or two spoken sentences. */
  guidance: z.string(),
});
export type Procedure = z.infer<typeof Procedure>;

/** Lower case, accents dropped, punctuation to spaces, padded, so phrases match on word boundaries. */
export function normalizeSpeech(text: string): string {
  const plain = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
  return ` ${plain} `;
}

/**
 * The procedures a caller's words point at, most dangerous first, then by how much of the
 * speech they match (a matched phrase counts one per word). Pure; `limit` caps the list.
 */
export function selectProcedures(speech: string, procedures: Procedure[], limit = 3): Procedure[] {
  const text = normalizeSpeech(speech);
  return procedures
    .map((procedure) => ({
      procedure,
      score: procedure.keywords
        .map(normalizeSpeech)
        .filter((keyword) => keyword.trim() !== '' && text.includes(keyword))
        .reduce((sum, keyword) => sum + keyword.trim().split(' ').length, 0),
    }))
    .filter(({ score }) => score > 0)
    .sort((a, b) => rank[b.procedure.urgency] - rank[a.procedure.urgency] || b.score - a.score)
    .slice(0, limit)
    .map(({ procedure }) => procedure);
}

/** Gather speech hints: the procedures' vocabulary (zones, equipment, chemicals), at most 500 phrases (Twilio's limit). */
export function speechHints(procedures: Procedure[]): string {
  const phrases = new Set<string>();
  for (const procedure of procedures) for (const keyword of procedure.keywords) if (keyword.length >= 3) phrases.add(keyword);
  return [...phrases].slice(0, 500).join(', ');
}
