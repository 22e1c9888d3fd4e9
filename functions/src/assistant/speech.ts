/**
 * Words as speech recognition hands them over, made comparable: plain lower-case tokens with
 * contractions opened up, word stems from the Snowball stemmers of every supported language,
 * and a forgiving comparison for misrecognised words. Pure.
 */
import { distance } from 'fastest-levenshtein';

type Stemmer = { tag: string; stemmer: { stem(word: string): string } };
let stemmers: Stemmer[] | null = null;
/**
 * Snowball's stemmers for the supported languages ("bleeding"/"bleed", "quemé"/"quemado" meet
 * on a stem), required on first use like the other heavy modules, not at cold start.
 */
function snowball(): Stemmer[] {
  if (!stemmers) {
    const { newStemmer } = require('snowball-stemmers') as typeof import('snowball-stemmers');
    stemmers = (['english', 'spanish', 'german', 'french', 'portuguese'] as const).map((name) => ({ tag: name.slice(0, 2), stemmer: newStemmer(name) }));
  }
  return stemmers;
}

/**
 * Recognisers write English contractions with or without the apostrophe ("isn't", "isnt"):
 * both become "is not", so a negation is one token wherever it came from.
 */
const CONTRACTIONS: Record<string, string> = {
  isnt: 'is not', arent: 'are not', wasnt: 'was not', werent: 'were not', dont: 'do not', doesnt: 'does not',
  didnt: 'did not', cant: 'can not', cannot: 'can not', couldnt: 'could not', wont: 'will not', wouldnt: 'would not',
  shouldnt: 'should not', hasnt: 'has not', havent: 'have not', hadnt: 'had not', aint: 'is not', noone: 'no one',
};

/** Lower case, accents dropped ("está" → "esta", "Gerüst" → "gerust"), contractions opened up. */
export function plainText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/\b(can|won)['’`]t\b/g, (_, verb: string) => (verb === 'can' ? 'can not' : 'will not'))
    .replace(/n['’`]t\b/g, ' not')
    .replace(/[a-z]+/g, (word) => CONTRACTIONS[word] ?? word);
}

/** A token, and the clause it sits in (clauses end at punctuation and at "but"-words). */
export type Token = { word: string; clause: number };

/** Clause breaks recognisers leave in as words. */
const CLAUSE_WORDS = new Set(['but', 'although', 'though', 'however', 'pero', 'aber', 'mais', 'mas', 'porem', 'sino', 'sondern']);

/** The words of `text`, in order, each with its clause. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let clause = 0;
  for (const piece of plainText(text).split(/([.,;:!?]+)|[^a-z0-9]+/)) {
    if (!piece) continue;
    if (/^[.,;:!?]+$/.test(piece)) {
      clause++;
      continue;
    }
    if (CLAUSE_WORDS.has(piece)) {
      clause++;
      continue;
    }
    tokens.push({ word: piece, clause });
  }
  return tokens;
}

const stemCache = new Map<string, string[]>();
/** The word's stem in each language, tagged by language so stems of different languages never meet. */
export function stems(word: string): string[] {
  let found = stemCache.get(word);
  if (!found) {
    found = [...new Set(snowball().map(({ tag, stemmer }) => `${tag}:${stemmer.stem(word)}`))];
    if (stemCache.size > 50_000) stemCache.clear();
    stemCache.set(word, found);
  }
  return found;
}

/** Levenshtein distance, with one swap of neighbouring letters ("siezure") counted as one edit. */
export function editDistance(a: string, b: string): number {
  const d = distance(a, b);
  if (d === 2 && a.length === b.length) {
    const diff = [...a].flatMap((ch, i) => (ch === b[i] ? [] : [i]));
    if (diff.length === 2 && diff[1] === diff[0] + 1 && a[diff[0]] === b[diff[1]] && a[diff[1]] === b[diff[0]]) return 1;
  }
  return d;
}

/**
 * How far a misrecognised word may be from the word meant: short words must match exactly
 * ("shock" is not "stock"), longer words may be off by a letter or two ("electricuted",
 * "unconsious"). The first letter must agree: recognisers rarely lose it, and it keeps
 * "burning" from matching "turning".
 */
export function closeEnough(heard: string, meant: string): boolean {
  if (heard === meant) return true;
  const length = Math.min(heard.length, meant.length);
  if (length < 7 || heard[0] !== meant[0]) return false;
  return editDistance(heard, meant) <= (length >= 10 ? 2 : 1);
}

/**
 * How well a heard word stands for a keyword's word: 1 the same, 0.9 the same stem, 0.8 close
 * enough, 0 not at all. Stems shorter than four letters say too little (Spanish "herido" and
 * English "here" share the Spanish stem "her").
 */
export function wordMatch(heard: string, meant: string): number {
  if (heard === meant) return 1;
  // A plural a short word's stem is too short to catch ("eggs", "gases").
  if (heard.length >= 3 && meant.length >= 3 && (heard === `${meant}s` || heard === `${meant}es` || meant === `${heard}s`)) return 0.9;
  if (heard.length >= 4 && meant.length >= 4) {
    const heardStems = stems(heard);
    // A shared stem counts a little less than the word itself: stems cross languages ("fumes", "fumée").
    if (stems(meant).some((s) => s.length >= 7 && heardStems.includes(s))) return 0.9;
  }
  return closeEnough(heard, meant) ? 0.8 : 0;
}
