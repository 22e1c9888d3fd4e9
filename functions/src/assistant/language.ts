/**
 * Telling which of the languages Aurora answers in (@aurora/model) a caller speaks. Callers' words are
 * short and come through speech recognition, so the detector (tinyld, n-gram statistics) is
 * only asked to choose among the supported languages, and gives up on text too short to tell.
 */
import {
  DEFAULT_LANGUAGE,
  LANGUAGE_NAMES,
  LANGUAGES,
  languageOf,
  type Language,
} from '@aurora/model';

type Detector = {
  detectAll(text: string, options?: { only?: string[] }): Array<{ lang: string; accuracy: number }>;
};
let detector: Detector | null = null;
// Loaded on first use (about 0.3 s, once per instance), not at cold start. The normal model, not the
// light one: on the corpus's short utterances the light one mistook English and Portuguese for Spanish.
const tinyld = (): Detector => (detector ??= require('tinyld') as Detector);

/** Fewer letters than this say too little about their language. */
const MIN_LETTERS = 8;

/**
 * The supported language `text` is most likely in, or null when it is too short or no
 * supported language fits. Pure apart from the detector's lazy load.
 */
export function detectLanguage(text: string): Language | null {
  if ((text.match(/\p{L}/gu) ?? []).length < MIN_LETTERS) return null;
  const [best] = tinyld().detectAll(text, { only: [...LANGUAGES] });
  return best && best.accuracy > 0 ? languageOf(best.lang) : null;
}

// ---- When the caller's language changes ----
//
// A wrong switch is worse than a late one: the caller hears a language they may not speak (with
// another country's emergency number), and every later word goes to a recogniser for that language,
// which turns English into noise. So the call's language (recogniser, voice and replies) leaves the
// registry's or the site's only on strong, repeated evidence.
//
// The thresholds were measured on eval/corpus (616 labelled lines) and 140 short English emergency
// sentences with foreign names and loanwords, on which the detector alone switched 17 times
// ("Call an ambulance!" reads as German; "Francois is bleeding a lot" as Portuguese, with tinyld's
// accuracy 1; "Chemical spill in bay" as German):
// - under 4 words or 20 letters nothing is safe: "Chemical spill in bay" (18 letters) passes;
// - apart from those, English sentences favour another language by up to 0.04 of tinyld's
//   accuracy (roughly its share of the words per language); all but 2 of the corpus's 312 other
//   lines favour their own language over English by 0.05 or more: the margin;
// - tinyld gives a whole phrase to one language on a single "unique" n-gram, often inside a name.
//   So the words must say the same with any one of them left out: that stopped the 3 English
//   sentences and the 4 corpus lines (wrong language) the length and margin let through, at a
//   cost of 4 corpus lines no longer counted as evidence for their own language.
// Result, against English: no English line or sentence is evidence for another language; 301 of
// the 312 other lines are evidence for their own (the rest are short, or Spanish/Portuguese
// look-alikes); against every other current language, no line is evidence for a wrong one.

/** An utterance shorter than this (in words, and in letters) is never evidence of a language. */
export const EVIDENCE_MIN_WORDS = 4;
export const EVIDENCE_MIN_LETTERS = 20;
/** How much more of tinyld's accuracy the other language needs than the call's. */
export const EVIDENCE_MARGIN = 0.05;
/** Consecutive utterances of evidence for one language that switch a call whose language is known. */
export const UTTERANCES_TO_SWITCH = 2;

type Accuracies = Partial<Record<Language, number>>;

function accuracies(text: string): Accuracies {
  const found: Accuracies = {};
  for (const { lang, accuracy } of tinyld().detectAll(text, { only: [...LANGUAGES] })) {
    const language = languageOf(lang);
    if (language) found[language] = accuracy;
  }
  return found;
}

/** The supported language other than `current` the detector favours most, if any. */
function favouredOver(found: Accuracies, current: Language): Language | null {
  let best: Language | null = null;
  for (const language of LANGUAGES) {
    if (
      language !== current &&
      (found[language] ?? 0) > 0 &&
      (best === null || (found[language] ?? 0) > (found[best] ?? 0))
    )
      best = language;
  }
  return best;
}

// A turn asks twice about the same words (to answer, then to record): the last answer is kept.
let lastEvidence: { text: string; current: Language; result: Language | null } | null = null;

/**
 * The language other than `current` that `text` is strong evidence for, or null: the text is
 * long enough to tell, the detector favours that language over `current` by a clear margin, and
 * still favours it (over `current` and every other) with any one word left out, so a name or a
 * loanword cannot decide. Pure apart from the detector's lazy load.
 */
export function languageEvidence(text: string, current: Language): Language | null {
  if (lastEvidence && lastEvidence.text === text && lastEvidence.current === current)
    return lastEvidence.result;
  const result = weighEvidence(text, current);
  lastEvidence = { text, current, result };
  return result;
}

/** Enough words to tell any language: a longer utterance is weighed on its first ones (each is left out in turn). */
const WORDS_WEIGHED = 40;

function weighEvidence(utterance: string, current: Language): Language | null {
  const tokens = utterance.trim().split(/\s+/).slice(0, WORDS_WEIGHED);
  const text = tokens.join(' ');
  const words = text.match(/\p{L}+/gu) ?? [];
  if (words.length < EVIDENCE_MIN_WORDS || words.join('').length < EVIDENCE_MIN_LETTERS)
    return null;
  const found = accuracies(text);
  const other = favouredOver(found, current);
  if (!other || (found[other] ?? 0) - (found[current] ?? 0) < EVIDENCE_MARGIN) return null;
  for (let left = 0; left < tokens.length; left++) {
    const rest = accuracies(tokens.filter((_, i) => i !== left).join(' '));
    // tinyld now and then has nothing at all to say about a phrase: that says nothing against it.
    if (Object.keys(rest).length === 0) continue;
    if (favouredOver(rest, current) !== other || (rest[other] ?? 0) <= (rest[current] ?? 0))
      return null;
  }
  return other;
}

/** Consecutive utterances so far that were strong evidence for `language` (LiveCall.language_evidence). */
export type LanguageEvidence = { language: Language; count: number };

/** What a call knows of its caller's language before an utterance. */
export type CallLanguage = {
  /** What Aurora listens and answers in now: the registry's, else the site's, else what the caller switched it to. */
  language: Language;
  /**
   * Nobody knows the caller's language yet: no registry language, no utterance heard. The
   * greeting's language was only the site's guess, so the first utterance may switch on its
   * own strong evidence; every later one needs a second in a row.
   */
  open: boolean;
  evidence?: LanguageEvidence | null;
};

export type LanguageStep = {
  language: Language;
  evidence: LanguageEvidence | null;
  switched: boolean;
};

/**
 * The call's language after an utterance that was strong evidence for `evidence` (null: for no
 * other language). An utterance that is not evidence for the pending language resets it.
 */
export function nextLanguage(call: CallLanguage, evidence: Language | null): LanguageStep {
  if (!evidence || evidence === call.language)
    return { language: call.language, evidence: null, switched: false };
  const count = call.evidence?.language === evidence ? call.evidence.count + 1 : 1;
  if (call.open || count >= UTTERANCES_TO_SWITCH)
    return { language: evidence, evidence: null, switched: true };
  return { language: call.language, evidence: { language: evidence, count }, switched: false };
}

/** The language fields a live call holds (model/schema.ts LiveCall). */
export type CallLanguageFields = {
  language?: string;
  language_evidence?: { language: string; count: number };
};

/** What `call` (none: a call never recorded) knows of its language, `current` being what Aurora speaks in it now. */
function callLanguageOf(
  call: CallLanguageFields | null | undefined,
  current: Language,
): CallLanguage {
  const pending = languageOf(call?.language_evidence?.language);
  return {
    language: current,
    open: !languageOf(call?.language),
    evidence:
      pending && call?.language_evidence
        ? { language: pending, count: call.language_evidence.count }
        : null,
  };
}

/** The language to answer `utterance` in on `call`: the call's, unless the utterance completes a switch. */
export function languageAfter(
  call: CallLanguageFields | null | undefined,
  current: Language,
  utterance: string,
): LanguageStep {
  return nextLanguage(callLanguageOf(call, current), languageEvidence(utterance, current));
}

/** What a turn writes of the caller's language; see takeTurn's record(). */
export type LanguageChange = {
  /** The call's language from now on, when the call did not hold it yet. */
  language?: Language;
  /** The pending evidence (null: none). */
  evidence: LanguageEvidence | null;
  /** The utterance switched the call to this language: the supervisors are told. */
  switchedTo?: Language;
};

/**
 * What the turn that answered `utterance` records of the language: the rule's decision, as the
 * reply was composed (a speculation on the same words and call decided the same). Once a caller
 * has spoken the call holds a language, so only a registry-less caller's first utterance is `open`.
 * An answer the webhook's deadline spoke in another language is not recorded as a switch: it
 * was not the caller's doing, and the call's later answers return to its own language.
 */
export function languageChange(
  call: CallLanguageFields | null | undefined,
  current: Language,
  utterance: string,
): LanguageChange {
  const step = languageAfter(call, current, utterance);
  return {
    ...(step.language !== languageOf(call?.language) ? { language: step.language } : {}),
    evidence: step.evidence,
    ...(step.switched ? { switchedTo: step.language } : {}),
  };
}

/** The transcript's note for the supervisors when the caller's language changes (they read English). */
export const languageSwitchNote = (language: Language): string =>
  `The caller is speaking ${LANGUAGE_NAMES[language]}: Aurora now listens and answers in ${LANGUAGE_NAMES[language]}.`;

/**
 * The language to answer one utterance in when nothing else of the call is known (a responder
 * asked without a language, the webhook's deadline answer): the worker's registered language,
 * else the words' when they are strong evidence against `previous` (the site's or the call's),
 * else `previous`, else the default. Like a caller's first words, these are all there is to go on.
 * The webhook's deadline answer (triggers/webhooks.ts) passes the site's language: with no call
 * record read, a short or unclear utterance is answered, and heard next, in the site's language;
 * words that are strong evidence for another were most likely recognised by a Gather listening in
 * it (Twilio recognises speech in the Gather's `language`: https://www.twilio.com/docs/voice/twiml/gather#language),
 * so answering in it keeps the call where it was.
 */
export function replyLanguage(
  registered: string | undefined,
  utterance: string,
  previous?: string,
): Language {
  const fallback = languageOf(previous) ?? DEFAULT_LANGUAGE;
  return languageOf(registered) ?? languageEvidence(utterance, fallback) ?? fallback;
}
