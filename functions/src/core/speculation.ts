/**
 * Speculative replies, as pure decisions. Twilio posts the caller's final words only after its
 * end-of-speech timeout, and a turn then waits for the model's whole reply; but the partial
 * results' stable words are known while the caller is still talking. A reply started on them
 * is ready, or nearly, when the final words arrive: if those say the same thing, the turn
 * answers with it at once.
 */
import type { Speculation } from '../model/schema';

/** Stable words before a speculation starts: a reply to "there is" would be a reply to nothing. */
export const MIN_SPECULATION_WORDS = 3;

/**
 * Words that recognisers add or drop at the edges of an utterance and that cannot change what
 * a safety line answers ("um", "please", "okay"). Only these may differ between the speculated
 * words and the final ones; any other word, a "not" above all, makes the speculation a miss.
 */
const FILLERS = new Set(['um', 'uh', 'er', 'erm', 'ah', 'hmm', 'mm', 'please', 'okay', 'ok', 'so', 'yeah', 'now', 'thanks', 'thank', 'you']);

/** The words of an utterance, lowercased, without punctuation (recognisers differ in both). */
export function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}'\s]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/** Drops fillers from both ends only: in the middle a word is never noise. */
function trimFillers(words: string[]): string[] {
  let start = 0;
  let end = words.length;
  while (start < end && FILLERS.has(words[start])) start++;
  while (end > start && FILLERS.has(words[end - 1])) end--;
  return words.slice(start, end);
}

/** Whether a reply to `speculated` answers `final` too: the same words, give or take fillers at the edges. */
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
export function nextSpeculation(current: Speculation | null, gather: string, stable: string): 'start' | 'keep' {
  if (wordsOf(stable).length < MIN_SPECULATION_WORDS) return 'keep';
  if (!current || current.gather < gather) return 'start';
  if (current.gather > gather) return 'keep'; // a late partial of an earlier Gather
  if (current.state === 'thinking') return 'keep';
  if (current.state === 'used') return 'keep'; // its turn has answered
  return answersTheSame(current.text, stable) ? 'keep' : 'start';
}
