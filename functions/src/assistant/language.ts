/**
 * The languages Aurora answers in, and telling which one a caller speaks. Callers' words are
 * short and come through speech recognition, so the detector (tinyld, n-gram statistics) is
 * only asked to choose among the supported languages, and gives up on text too short to tell.
 */
export const LANGUAGES = ['en', 'es', 'de', 'fr', 'pt'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';
/** Each language's name, as the model is told it and a supervisor reads it. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', es: 'Spanish', de: 'German', fr: 'French', pt: 'Portuguese' };

/** 'de', 'de-DE', 'DE_at' → 'de'; anything unsupported → null. */
export function languageOf(code: string | undefined | null): Language | null {
  const base = (code ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return (LANGUAGES as readonly string[]).includes(base) ? (base as Language) : null;
}

type Detector = { detectAll(text: string, options?: { only?: string[] }): Array<{ lang: string; accuracy: number }> };
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

/**
 * The language to answer in: the worker's registered language wins (the registry is what the
 * site knows), then what the words are in, then what the call was in so far, then the default.
 */
export function replyLanguage(registered: string | undefined, utterance: string, previous?: string): Language {
  return languageOf(registered) ?? detectLanguage(utterance) ?? languageOf(previous) ?? DEFAULT_LANGUAGE;
}
