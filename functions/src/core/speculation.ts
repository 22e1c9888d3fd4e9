/**
 * Speculative replies, as pure decisions. Twilio posts the caller's final words only after its
 * end-of-speech timeout, and a turn then waits for the model's whole reply; but the partial
 * results' stable words are known while the caller is still talking. A reply started on them
 * is ready, or nearly, when the final words arrive: if those say the same thing, the turn
 * answers with it at once.
 */
import type { Speculation } from '@aurora/model';

/** Stable words before a speculation starts: a reply to "there is" would be a reply to nothing. */
export const MIN_SPECULATION_WORDS = 3;

/** The most model calls one Gather may start early: a caller talking at length costs no more than this. */
export const MAX_SPECULATIONS_PER_GATHER = 4;

/**
 * The most time one partial callback spends speculating, from its arrival: under the webhook's
 * 15 s timeout, after which Cloud Run ends the request and nothing it started would be stored.
 * A speculation still `thinking` after this is dead, and a turn does not wait for it.
 */
export const SPECULATION_BUDGET_MS = 12_000;

/**
 * Hesitations recognisers write at the edges of an utterance ("um", "uh"), which cannot change
 * what a safety line answers, and the openers a caller starts with ("okay", "so", "yeah").
 * Nothing else may differ: a word at the end is often the point ("I don't think" / "I don't
 * think so", "he is not" / "he is not okay"), and any other word, a "not" above all, makes the
 * speculation a miss.
 */
const HESITATIONS = new Set([
  'um',
  'uh',
  'er',
  'erm',
  'ah',
  'hmm',
  'mm',
  'ehm',
  'äh',
  'ähm',
  'euh',
  'eh',
]);
const OPENERS = new Set([...HESITATIONS, 'okay', 'ok', 'so', 'yeah', 'well']);

/** The words of an utterance, lowercased, without punctuation (recognisers differ in both). */
export function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}'\s]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/** Drops openers from the start and hesitations from the end; in the middle a word is never noise. */
function trimFillers(words: string[]): string[] {
  let start = 0;
  let end = words.length;
  while (start < end && OPENERS.has(words[start])) start++;
  while (end > start && HESITATIONS.has(words[end - 1])) end--;
  return words.slice(start, end);
}

/** Whether a reply to `speculated` answers `final` too: the same words, give or take an opener or a hesitation. */
export function answersTheSame(speculated: string, final: string): boolean {
  const a = trimFillers(wordsOf(speculated));
  const b = trimFillers(wordsOf(final));
  return a.length > 0 && a.length === b.length && a.every((word, i) => word === b[i]);
}

/**
 * What a partial result does to the Gather's speculation: start one on these stable words, or
 * leave it. At most one is in flight per Gather; a finished one on other words is replaced (and
 * counted as wasted by the caller of this function); one on the same words is kept.
 */
export function nextSpeculation(
  current: Speculation | null,
  gather: string,
  stable: string,
): 'start' | 'keep' {
  if (wordsOf(stable).length < MIN_SPECULATION_WORDS) return 'keep';
  if (!current || current.gather < gather) return 'start';
  if (current.gather > gather) return 'keep'; // a late partial of an earlier Gather
  if (current.state === 'thinking') return 'keep';
  if (current.state === 'used') return 'keep'; // its turn has answered
  if ((current.count ?? 1) >= MAX_SPECULATIONS_PER_GATHER) return 'keep';
  return answersTheSame(current.text, stable) ? 'keep' : 'start';
}

/** The speculation node a turn leaves: its Gather answered, so a late partial starts nothing more. */
export const usedSpeculation = (gather: string, at: string): Speculation => ({
  gather,
  text: '',
  state: 'used',
  started_at: at,
});
