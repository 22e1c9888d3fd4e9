import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_PROCEDURES } from '../../../functions/src/assistant/procedures';
import { tokenize, wordMatch } from '../../../functions/src/assistant/speech';
import { indexWords, matchingWords } from '../../../functions/src/assistant/wordIndex';

/** Every word of the demo procedures' keywords and places, as triage compiles them. */
const vocabulary = [
  ...new Set(
    DEMO_PROCEDURES.flatMap((p) => [...p.keywords, ...(p.places ?? [])]).flatMap((k) =>
      k
        .replace(/^\?\s*/, '')
        .split(/ \+ |\|/)
        .filter((choice) => !choice.startsWith('@'))
        .flatMap((choice) => tokenize(choice).map((t) => t.word)),
    ),
  ),
];

/** The words callers said in the evaluation corpus, in five languages, with the same words misheard. */
function heardWords(): string[] {
  const words = new Set<string>();
  const dir = join(__dirname, '../../../eval/corpus');
  for (const file of readdirSync(dir))
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n'))
      if (line.trim())
        for (const { word } of tokenize((JSON.parse(line) as { text: string }).text))
          words.add(word);
  const misheard = [...words].flatMap((w) =>
    w.length < 5
      ? []
      : [
          `${w.slice(0, 2)}${w[3]}${w[2]}${w.slice(4)}`, // two letters swapped
          `${w.slice(0, 3)}${w.slice(4)}`, // a letter lost
          `${w}s`,
          `${w.slice(0, -1)}`,
        ],
  );
  // Every ninth, so the comparison with the whole vocabulary stays quick: some 700 words.
  const sample = [...words, ...misheard].filter((_, i) => i % 9 === 0);
  return [...sample, 'fayer', 'unconsious', 'electricuted', 'forklift', 'overdose', 'gases'];
}

/** What comparing `heard` with every word of the vocabulary finds. */
function byComparingAll(heard: string, english: boolean): Map<string, number> {
  const found = new Map<string, number>();
  for (const word of vocabulary) {
    const score = wordMatch(heard, word, english);
    if (score > 0) found.set(word, score);
  }
  return found;
}

describe('matchingWords', () => {
  const index = indexWords(vocabulary);

  it('finds every word of the vocabulary a heard word stands for, with its score, and no other', () => {
    const heard = heardWords();
    expect(heard.length).toBeGreaterThan(500);
    const differences: string[] = [];
    const scores = new Set<number>();
    for (const word of heard)
      for (const english of [true, false]) {
        const found = JSON.stringify([...matchingWords(index, word, english)].sort());
        const all = [...byComparingAll(word, english)].sort();
        if (found !== JSON.stringify(all)) differences.push(`${word} (english: ${english})`);
        for (const [, score] of all) scores.add(score);
      }
    expect(differences).toEqual([]);
    // Not a comparison of empty results: the same word, stems, misspellings and sound-alikes are all among them.
    expect([...scores].sort()).toEqual([0.7, 0.8, 0.9, 1]);
  }, 60_000);
});
