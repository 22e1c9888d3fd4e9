import { nextPartial } from '../core/partialSpeech';
import { paths } from '../model/paths';
import { PartialSpeech } from '../model/schema';
import type { Deps } from '../ports';
import { findCallBySid } from './liveCalls';

export type PartialResult = { callSid: string; callHint?: string; gather?: string; sequence: number; text: string };

/** Twilio's partialResultCallback: shows admins what the caller is saying before the turn completes. */
export async function recordPartial(partial: PartialResult, deps: Deps): Promise<'recorded' | 'stale' | 'unknown-call'> {
  const found = await findCallBySid(deps.live, partial.callSid, deps.log, partial.callHint);
  if (!found || !partial.gather) return 'unknown-call';
  const incoming = { gather: partial.gather, sequence: partial.sequence, text: partial.text };
  const { committed: wrote } = await deps.live.transact(paths.partial(found.call.conversation_id), (current) => {
    const parsed = PartialSpeech.safeParse(current);
    return nextPartial(parsed.success ? parsed.data : null, incoming);
  });
  return wrote ? 'recorded' : 'stale';
}
