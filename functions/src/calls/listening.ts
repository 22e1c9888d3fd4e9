import { randomBytes } from 'node:crypto';
import { DEFAULT_LANGUAGE, languageOf, type Language } from '../assistant/language';
import { speechHints, type Procedure } from '../assistant/procedures';
import { listenFor, type Listen } from '../core/twiml';
import type { Deps } from '../ports';

/** A fresh Gather id that sorts by time: partial results name the Gather they belong to. */
export const newGatherId = () => `${Date.now().toString(36).padStart(9, '0')}${randomBytes(3).toString('hex')}`;

// The procedure library hands out the same cached array for minutes: build its hints once.
const hintsFor = new WeakMap<Procedure[], string>();
function cachedHints(procedures: Procedure[]): string {
  let hints = hintsFor.get(procedures);
  if (hints === undefined) hintsFor.set(procedures, (hints = speechHints(procedures)));
  return hints;
}

/** How the next Gather listens: its URLs, the site's speech settings, hints from the procedures, the caller's language. */
export function listening(deps: Deps, procedures: Procedure[], next: { call?: string; silent?: number; language?: Language }): Listen {
  const { language, ...turn } = next;
  return listenFor(deps.settings.publicBaseUrl, { ...turn, gather: newGatherId() }, deps.settings.speech, cachedHints(procedures), language);
}

/** The site's own language (SPEECH_LANGUAGE), what Aurora speaks until it knows the caller's. */
export const siteLanguage = (deps: Deps): Language => languageOf(deps.settings.speech.language) ?? DEFAULT_LANGUAGE;

/** A caller's or a call's language (a code such as 'de' or 'pt-BR', as the registry or the call holds it), else the site's. */
export const languageOrSite = (deps: Deps, language: string | undefined): Language => languageOf(language) ?? siteLanguage(deps);

/** The procedures, or none if they cannot be had: listening and answering go on without hints. */
export async function proceduresOrNone(deps: Deps): Promise<Procedure[]> {
  try {
    return await deps.procedures.all();
  } catch (err) {
    deps.log.error('procedures unavailable', { error: String(err) });
    return [];
  }
}
