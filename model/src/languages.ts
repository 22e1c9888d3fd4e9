/**
 * The languages Aurora answers in, by code and by name: the functions hear and answer in them, the
 * dashboard names them for a supervisor, the evaluation labels its corpus with them. Telling which
 * one a caller speaks is the functions' business (functions/src/assistant/language.ts).
 */
export const LANGUAGES = ['en', 'es', 'de', 'fr', 'pt'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';
/** Each language's name, as the model is told it and a supervisor reads it. */
export const LANGUAGE_NAMES: Record<Language, string> = {
  en: 'English',
  es: 'Spanish',
  de: 'German',
  fr: 'French',
  pt: 'Portuguese',
};

/** 'de', 'de-DE', 'DE_at' → 'de'; anything unsupported → null. */
export function languageOf(code: string | undefined | null): Language | null {
  const base = (code ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return (LANGUAGES as readonly string[]).includes(base) ? (base as Language) : null;
}
