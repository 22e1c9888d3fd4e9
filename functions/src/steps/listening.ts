import { randomBytes } from 'node:crypto';
import { speechHints } from '../assistant/procedures';
import { listenFor, speakAndListen, type Listen } from '../core/twiml';
import {
  DEFAULT_LANGUAGE,
  type Language,
  languageOf,
  type LiveCall,
  type LiveMessage,
  paths,
  type Procedure,
  type Role,
  siteIso,
} from '@aurora/model';
import { retrying } from '../core/retry';
import type { Deps } from '../ports';

/** A fresh Gather id that sorts by time: partial results name the Gather they belong to. */
export const newGatherId = () =>
  `${Date.now().toString(36).padStart(9, '0')}${randomBytes(3).toString('hex')}`;

// The procedure library hands out the same cached array for minutes: build its hints once.
const hintsFor = new WeakMap<Procedure[], string>();
function cachedHints(procedures: Procedure[]): string {
  let hints = hintsFor.get(procedures);
  if (hints === undefined) hintsFor.set(procedures, (hints = speechHints(procedures)));
  return hints;
}

/** How the next Gather listens: its URLs, the site's speech settings, hints from the procedures, the caller's language. */
export function listening(
  deps: Deps,
  procedures: Procedure[],
  next: { call?: string; silent?: number; language?: Language; held?: boolean },
): Listen {
  const { language, ...turn } = next;
  return listenFor(
    deps.settings.publicBaseUrl,
    { ...turn, gather: newGatherId() },
    deps.settings.speech,
    cachedHints(procedures),
    language,
  );
}

/** A Gather for when nothing of the call could be had: the next turn finds the call by its CallSid. */
export const listenAnew = (deps: Deps) =>
  listenFor(deps.settings.publicBaseUrl, {}, deps.settings.speech, '');

/** The site's own language (SPEECH_LANGUAGE), what Aurora speaks until it knows the caller's. */
export const siteLanguage = (deps: Deps): Language =>
  languageOf(deps.settings.speech.language) ?? DEFAULT_LANGUAGE;

/** A caller's or a call's language (a code such as 'de' or 'pt-BR', as the registry or the call holds it), else the site's. */
export const languageOrSite = (deps: Deps, language: string | undefined): Language =>
  languageOf(language) ?? siteLanguage(deps);

/** The procedures, or none if they cannot be had: listening and answering go on without hints. */
export async function proceduresOrNone(deps: Deps): Promise<Procedure[]> {
  try {
    return await deps.procedures.all();
  } catch (err) {
    deps.log.error('procedures unavailable', { error: String(err) });
    return [];
  }
}

/**
 * Speaks to the caller, then listens, in the caller's language (the call's, else the site's): a
 * supervisor's lines and typed words in the caller's voice and, above all, the next Gather
 * recognising their words in that language (an English recogniser turns German into noise).
 * Used in call updates, which carry no speech hints: Twilio takes at most 4,000 characters of
 * TwiML in an update (32018); the next turn's answer brings the hints back.
 */
export function speakThenListen(
  deps: Deps,
  callId: string | undefined,
  callLanguage: string | undefined,
  text: string,
  held = false,
): string {
  const language = languageOrSite(deps, callLanguage);
  return speakAndListen(text, listening(deps, [], { call: callId, language, held }));
}

/** Records lines on the call's transcript; a failed write is logged, since the caller has already heard them. */
export async function noteOnCall(
  deps: Deps,
  call: Pick<LiveCall, 'conversation_id'>,
  lines: Array<[Role, string]>,
): Promise<void> {
  const now = deps.clock();
  const timestamp = siteIso(now, deps.settings.timeZone);
  const changes: Record<string, LiveMessage> = {};
  for (const [role, content] of lines)
    changes[paths.message(call.conversation_id, deps.messageKey(now.getTime()))] = {
      role,
      content,
      timestamp,
      sources: '',
    };
  try {
    // A note says what the caller did or did not hear: a database refusing for a moment must not
    // drop it (a reply recorded as said, its "Not spoken" line lost: the simulation, 5000 runs).
    // The same keys each attempt: one that committed unreported is not doubled.
    await retrying(() => deps.live.update(changes), { attempts: 6 });
  } catch (err) {
    deps.log.error('a note could not be recorded on the call', {
      conversationId: call.conversation_id,
      error: String(err),
    });
  }
}
