import { maskPhone } from '../core/masking';
import { paths } from '@aurora/model';
import { LINES_IN, speakAndListen } from '../core/twiml';
import type { Deps } from '../ports';
import { greetingFor, recordCall, type IncomingCall } from '../steps/recordCall';
import {
  languageOrSite,
  listenAnew,
  listening,
  proceduresOrNone,
  siteLanguage,
} from '../steps/listening';

/**
 * A new call: records it live in the seed schema, indexes its CallSid, and greets the caller.
 * The caller is greeted even when the records cannot be written: help comes first.
 */
export async function startCall(incoming: IncomingCall, deps: Deps): Promise<string> {
  const { live, log } = deps;
  const [indexed, caller, procedures] = await Promise.all([
    live
      .get(paths.callSid(incoming.callSid))
      .catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))),
    deps.workers.findByPhone(incoming.from).catch((err: unknown) => {
      log.warn('worker registry unavailable', { error: String(err) });
      return null;
    }),
    proceduresOrNone(deps),
  ]);
  // A worker whose language the registry knows is greeted, and heard, in it from the first word.
  const language = languageOrSite(deps, caller?.language);
  const greeting = (callId?: string) =>
    speakAndListen(
      greetingFor(deps, caller),
      listening(deps, procedures, { call: callId, language }),
    );
  try {
    if (indexed instanceof Error) throw indexed;
    if (typeof indexed === 'string') {
      log.info('incoming call already recorded (webhook retried)', { callId: indexed });
      return greeting(indexed);
    }
    return greeting(await recordCall(incoming, caller, deps));
  } catch (err) {
    log.error('could not record the call: greeting the caller anyway', {
      caller: maskPhone(incoming.from),
      error: String(err),
    });
    return greeting();
  }
}

/**
 * The greeting when startCall is not done by the webhook's deadline (triggers/webhooks.ts):
 * nothing is known of the caller, so it is in the site's language.
 */
export const voiceFallback = (deps: Deps): string =>
  speakAndListen(LINES_IN[siteLanguage(deps)].greeting(), listenAnew(deps));
