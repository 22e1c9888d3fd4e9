/**
 * Which words of the keywords' vocabulary a heard word may stand for, found without comparing it
 * with every one. wordMatch (speech.ts) scores a pair above 0 only when both words begin with the
 * same letter (the same word, a plural, a misspelling, a sound-alike) or share a stem, so a heard
 * word is compared with the vocabulary's words of its first letter and those sharing one of its
 * stems: the same scores as comparing it with all of them, at a small part of the cost. Triage
 * looks for every keyword phrase at every word of the speech; this is what keeps that cheap. Pure.
 */
import { SHARED_STEM, STEMMED_WORD, stems, wordMatch } from './speech';

export type WordIndex = {
  byLetter: Map<string, string[]>;
  /** Each stem long enough to count as shared, with the words of the vocabulary that have it. */
  byStem: Map<string, string[]>;
};

const add = (map: Map<string, string[]>, key: string, word: string) => {
  const words = map.get(key);
  if (words) words.push(word);
  else map.set(key, [word]);
};

export function indexWords(vocabulary: Iterable<string>): WordIndex {
  const index: WordIndex = { byLetter: new Map(), byStem: new Map() };
  for (const word of new Set(vocabulary)) {
    if (!word) continue;
    add(index.byLetter, word[0], word);
    if (word.length >= STEMMED_WORD)
      for (const stem of stems(word)) if (stem.length >= SHARED_STEM) add(index.byStem, stem, word);
  }
  return index;
}

/** The vocabulary's words `heard` may stand for, each with its wordMatch score (never 0). */
export function matchingWords(
  index: WordIndex,
  heard: string,
  english: boolean,
): Map<string, number> {
  const candidates = new Set(index.byLetter.get(heard[0] ?? '') ?? []);
  if (heard.length >= STEMMED_WORD)
    for (const stem of stems(heard))
      for (const word of index.byStem.get(stem) ?? []) candidates.add(word);
  const found = new Map<string, number>();
  for (const word of candidates) {
    const score = wordMatch(heard, word, english);
    if (score > 0) found.set(word, score);
  }
  return found;
}
