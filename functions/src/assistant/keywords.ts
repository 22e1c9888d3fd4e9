/**
 * Where a procedure's keywords are said: keywords compiled once per procedure set into phrases
 * of words, and each phrase found in the speech's tokens (as said, by stem, misheard, split apart
 * or run together), with whether a negation there takes it back. What a match means for the
 * call (hypotheticals, drills, "it is out") is triage.ts's. Pure.
 */
import type { Procedure } from '@aurora/model';
import { AFTER_NEGATIONS, LIGHT_WORDS, NEGATIONS } from './cues';
import { tokenize, wordMatch, type Token } from './speech';
import { indexWords, matchingWords, type WordIndex } from './wordIndex';

/** A phrase's words; `key` names it in a reading's memo, `joined` finds it run together. */
type Phrase = { words: string[]; negative: boolean; joined: string; key: string };
/**
 * A keyword: one phrase, or parts that must all be said, each a choice of phrases. `person`:
 * it borrows a person procedure's signs ("@collapse"), so "nobody is hurt" takes it back.
 */
export type Keyword = {
  text: string;
  parts: Phrase[][];
  place: boolean;
  person: boolean;
  unsure: boolean;
};
type Compiled = { procedure: Procedure; keywords: Keyword[] };
/** A procedure set's keywords compiled, and the first words of their phrases indexed. */
export type Library = { compiled: Compiled[]; firstWords: WordIndex };

function phrase(text: string): Phrase | null {
  const words = tokenize(text).map((t) => t.word);
  return words.length === 0
    ? null
    : {
        words,
        negative: words.some((w) => NEGATIONS.has(w)),
        joined: words.join(''),
        key: words.join(' '),
      };
}

/**
 * A keyword's parts, each a choice of phrases. A choice "@collapse" stands for every plain
 * keyword of the procedure with that id ("tank|silo + @collapse": a place and any sign of a
 * person down), so the signs are listed once and every procedure that needs them grows with them.
 */
function keyword(written: string, place: boolean, byId: Map<string, Procedure>): Keyword | null {
  const unsure = written.startsWith('?');
  const text = withoutUnsure(written);
  // Borrowed signs are as sure as the keyword borrowing them: "tank + collapsed" is sure.
  const choicesOf = (choice: string): string[] =>
    choice.startsWith('@')
      ? (byId.get(choice.slice(1))?.keywords ?? [])
          .map(withoutUnsure)
          .filter((k) => !k.includes(' + '))
          .flatMap((k) => k.split('|'))
      : [choice];
  const parts = text.split(' + ').map((part) =>
    part
      .split('|')
      .flatMap(choicesOf)
      .flatMap((choice) => phrase(choice) ?? []),
  );
  const person = [...text.matchAll(/@([\w-]+)/g)].some(
    ([, id]) => byId.get(id)?.about === 'person',
  );
  return parts.every((choices) => choices.length > 0)
    ? { text, parts, place, person, unsure }
    : null;
}

/** A keyword as said: "?collapsed" marks "collapsed" as unsure (see Match.unsure). */
export const withoutUnsure = (keyword: string): string => keyword.replace(/^\?\s*/, '');

const compiledFor = new WeakMap<Procedure[], Library>();
/** Keywords as token lists, once per procedure set (the library hands out one cached array for minutes). */
export function compile(procedures: Procedure[]): Library {
  let library = compiledFor.get(procedures);
  if (!library) {
    const byId = new Map(procedures.map((p) => [p.id, p]));
    const compiled = procedures.map((procedure) => ({
      procedure,
      keywords: [
        ...[...new Set(procedure.keywords)].flatMap((k) => keyword(k, false, byId) ?? []),
        ...[...new Set(procedure.places ?? [])].flatMap((k) => keyword(k, true, byId) ?? []),
      ],
    }));
    const firstWords = indexWords(
      compiled.flatMap(({ keywords }) =>
        keywords.flatMap((k) => k.parts.flatMap((choices) => choices.map((p) => p.words[0]))),
      ),
    );
    library = { compiled, firstWords };
    compiledFor.set(procedures, library);
  }
  return library;
}

/** Most words a phrase may have between two of its own ("not really breathing", "chest is in pain"). */
const MAX_GAP = 1;

/** Where `phrase` matches starting at token `i`: its last token and score, or null. */
function matchAt(
  tokens: Token[],
  i: number,
  phrase: Phrase,
  english: boolean,
  masked: boolean[],
): { end: number; score: number; exact: boolean } | null {
  if (masked[i]) return null;
  let score = wordMatch(tokens[i].word, phrase.words[0], english);
  let exact = score >= 0.9;
  let at = i;
  // Two words the recogniser split apart ("fork lift", "over dose", "over head lines") stand for one keyword word.
  if (
    score === 0 &&
    phrase.words[0].length >= 6 &&
    // "er trinkt" is not "ertrinkt": a two-letter word is a pronoun or an article, not a fragment.
    tokens[i].word.length >= 3 &&
    i + 1 < tokens.length &&
    !masked[i + 1] &&
    tokens[i + 1].clause === tokens[i].clause
  ) {
    score = wordMatch(tokens[i].word + tokens[i + 1].word, phrase.words[0]);
    at = i + 1;
  }
  if (score === 0) {
    // Words run together ("hesnotbreathing", "chestpains") hold a whole phrase.
    if (
      phrase.words.length > 1 &&
      phrase.joined.length >= 7 &&
      tokens[i].word.length > phrase.joined.length &&
      tokens[i].word.includes(phrase.joined)
    ) {
      return { end: i, score: phrase.words.length, exact: false };
    }
    return null;
  }
  for (const word of phrase.words.slice(1)) {
    let found = -1;
    for (
      let next = at + 1;
      next <= at + 1 + MAX_GAP && next < tokens.length && tokens[next].clause === tokens[i].clause;
      next++
    ) {
      const s = masked[next] ? 0 : wordMatch(tokens[next].word, word, english);
      if (s > 0) {
        found = next;
        score += s;
        exact &&= s >= 0.9;
        break;
      }
    }
    if (found < 0) return null;
    at = found;
  }
  return { end: at, score, exact };
}

export type Hit = { start: number; end: number; score: number; negated: boolean; exact: boolean };
/**
 * How the speech is read: the negations of its language, whether English sound-alikes count,
 * and each phrase's hits once found (a phrase can stand in many keywords: "@collapse").
 */
export type Reading = {
  negations: Set<string>;
  english: boolean;
  names: Set<string>;
  /** Tokens that never match a keyword: names, idioms. */
  masked: boolean[];
  found: Map<string, Hit[]>;
  /** The library's phrase first words, indexed. */
  firstWords: WordIndex;
  /** Where a phrase may begin, by its first word (found on the first phrase looked for). */
  starts?: Starts;
};

/**
 * The tokens a phrase may begin at, by the phrase's first word: where a token stands for it,
 * where a token and the next one run together stand for it ("fork lift"), and the long tokens
 * a phrase's words may be run together in ("hesnotbreathing"). matchAt finds nothing anywhere
 * else, so a phrase is tried only here: not at every token, for every one of thousands of phrases.
 */
type Starts = { word: Map<string, number[]>; split: Map<string, number[]>; long: number[] };

function startsIn(tokens: Token[], reading: Reading): Starts {
  const starts: Starts = { word: new Map(), split: new Map(), long: [] };
  const at = (map: Map<string, number[]>, word: string, i: number) => {
    const found = map.get(word);
    if (found) found.push(i);
    else map.set(word, [i]);
  };
  for (let i = 0; i < tokens.length; i++) {
    if (reading.masked[i]) continue;
    const heard = tokens[i].word;
    const english = reading.english && !reading.names.has(heard);
    for (const word of matchingWords(reading.firstWords, heard, english).keys())
      at(starts.word, word, i);
    // The same conditions as matchAt's for two words the recogniser split apart.
    if (
      heard.length >= 3 &&
      i + 1 < tokens.length &&
      !reading.masked[i + 1] &&
      tokens[i + 1].clause === tokens[i].clause
    )
      for (const word of matchingWords(
        reading.firstWords,
        heard + tokens[i + 1].word,
        false,
      ).keys())
        at(starts.split, word, i);
    // A phrase run together in one token is at least seven letters long, and the token longer still.
    if (heard.length > 7) starts.long.push(i);
  }
  return starts;
}

/** The tokens phrase `p` may begin at, in order (startsIn). */
function startsOf(tokens: Token[], p: Phrase, starts: Starts): number[] {
  const first = p.words[0];
  const word = starts.word.get(first) ?? [];
  const split = first.length >= 6 ? (starts.split.get(first) ?? []) : [];
  const together =
    p.words.length > 1 && p.joined.length >= 7
      ? starts.long.filter(
          (i) => tokens[i].word.length > p.joined.length && tokens[i].word.includes(p.joined),
        )
      : [];
  if (split.length === 0 && together.length === 0) return word;
  return [...new Set([...word, ...split, ...together])].sort((a, b) => a - b);
}

/** Every place a phrase matches, and whether a negation there takes it back. */
function phraseHits(tokens: Token[], p: Phrase, reading: Reading): Hit[] {
  const known = reading.found.get(p.key);
  if (known) return known;
  const hits: Hit[] = [];
  reading.found.set(p.key, hits);
  reading.starts ??= startsIn(tokens, reading);
  for (const i of startsOf(tokens, p, reading.starts)) {
    // Names never sound like hazards ("Farrah" is not a fire).
    const hit = matchAt(
      tokens,
      i,
      p,
      reading.english && !reading.names.has(tokens[i].word),
      reading.masked,
    );
    // A phrase that is itself negative ("not breathing", "atmet nicht") is not negated again.
    if (hit)
      hits.push({
        start: i,
        end: hit.end,
        score: hit.score,
        exact: hit.exact,
        negated: !p.negative && negated(tokens, i, hit.end, reading.negations),
      });
  }
  return hits;
}

/**
 * Where a keyword matches: each place its phrase matches, or for a keyword of parts, one
 * match spanning the best hit of every part (null when a part is not said). A part said only
 * negated ("no acid in his eyes") takes the whole keyword back.
 */
export function keywordHits(
  tokens: Token[],
  k: Keyword,
  reading: Reading,
): Array<Hit & { combined: boolean }> {
  if (k.parts.length === 1 && k.parts[0].length === 1)
    return phraseHits(tokens, k.parts[0][0], reading).map((h) => ({ ...h, combined: false }));
  const best: Hit[] = [];
  for (const choices of k.parts) {
    const hits = choices.flatMap((p) => phraseHits(tokens, p, reading));
    if (hits.length === 0) return [];
    best.push(hits.find((h) => !h.negated) ?? hits[0]);
  }
  return [
    {
      start: Math.min(...best.map((h) => h.start)),
      end: Math.max(...best.map((h) => h.end)),
      score: best.reduce((sum, h) => sum + h.score, 0),
      negated: best.some((h) => h.negated),
      exact: best.every((h) => h.exact),
      combined: true,
    },
  ];
}

/** A negation before the match reaches it across light words only ("nobody is hurt", "no sign of smoke"). */
export function negated(
  tokens: Token[],
  start: number,
  end: number,
  negations: Set<string>,
  after = true,
): boolean {
  const clause = tokens[start].clause;
  for (let j = start - 1; j >= 0 && j >= start - 5 && tokens[j].clause === clause; j--) {
    const word = tokens[j].word;
    // "no, no, no, he is bleeding": a repeated "no" is an exclamation, not a negation.
    if (negations.has(word)) return !(word === 'no' && tokens[j - 1]?.word === 'no');
    if (!LIGHT_WORDS.has(word)) break;
  }
  for (
    let j = end + 1;
    after && j < tokens.length && j <= end + 3 && tokens[j].clause === clause;
    j++
  ) {
    if (AFTER_NEGATIONS.has(tokens[j].word)) return true;
    if (!LIGHT_WORDS.has(tokens[j].word)) break;
  }
  return false;
}
