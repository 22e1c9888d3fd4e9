/**
 * The turn's side of a speculative reply (the partial callback starts them: partialSpeech.ts).
 * The turn takes the reply started on the Gather's stable words when its final words say the
 * same, waiting for it if it is still being written; otherwise it answers as it always has, and
 * the speculation is counted as wasted. Nothing here writes to the transcript.
 */
import type { Reply } from '../assistant/responder';
import { triage } from '../assistant/triage';
import { SPECULATION_BUDGET_MS, answersTheSame } from '../core/speculation';
import {
  type Language,
  type LiveConversation,
  paths,
  type Procedure,
  Speculation,
} from '@aurora/model';
import type { Deps } from '../ports';
import { countUse } from './liveCalls';

/** Usage counters (usage/{key}/{hour}) of speculations that answered a turn, and of those that did not. */
export const SPECULATION_COUNTERS = {
  hit: 'speculation-hit',
  wasted: 'speculation-wasted',
} as const;

/** How often a turn looks again at a speculation still being written. */
const POLL_MS = 15;
/** A turn that waited for a speculation in vain keeps this much of its budget to answer itself. */
const KEEP_FOR_OWN_ANSWER_MS = 1500;

export type SpeculatedReply = { reply: Reply; language?: Language };

/** The speculation's outcome for a turn, and its counting, which the turn awaits with its own writes rather than before answering. */
export type SpeculationOutcome = { hit: SpeculatedReply | null; counted: Promise<void> };

const NONE: SpeculationOutcome = { hit: null, counted: Promise.resolve() };

const parse = (value: unknown): Speculation | null => {
  const parsed = Speculation.safeParse(value);
  return parsed.success ? parsed.data : null;
};

/**
 * The reply speculated for this Gather's words, or no hit: none was started, it was on other
 * words (counted as wasted), or it was not ready within what the turn can spare (also wasted).
 */
export async function speculatedReply(
  deps: Deps,
  conversationId: string,
  gather: string | undefined,
  utterance: string,
  prefetched: Promise<LiveConversation | null> | null,
  withinMs = 8000,
  procedures: Procedure[] = [],
): Promise<SpeculationOutcome> {
  if (!gather || !deps.settings.speculate) return NONE;
  const path = paths.speculation(conversationId);
  // The turn's history read holds the speculation node: no extra round trip unless that read failed.
  const conversation = prefetched ? await prefetched : null;
  const seen = parse(
    conversation ? conversation.speculation : await deps.live.get(path).catch(() => null),
  );
  if (!seen || seen.gather !== gather || seen.state === 'used') return NONE;
  // A speculation still thinking past its request's budget died with the request: not waited for.
  const dead = (s: Speculation) =>
    s.state === 'thinking' &&
    deps.clock().getTime() - Date.parse(s.started_at) > SPECULATION_BUDGET_MS + 1000;
  if (dead(seen)) return { hit: null, counted: count(deps, SPECULATION_COUNTERS.wasted) };
  // The words match without punctuation, but triage reads clauses by it ("no there is a fire"
  // is a denial, "No, there is a fire." a report): a reply triaged otherwise than the final words is a miss.
  if (!answersTheSame(seen.text, utterance) || !sameTriage(seen.text, utterance, procedures))
    return { hit: null, counted: count(deps, SPECULATION_COUNTERS.wasted) };
  const giveUpAt = performance.now() + Math.max(0, withinMs - KEEP_FOR_OWN_ANSWER_MS);
  let current: Speculation | null = seen;
  while (
    current &&
    current.state === 'thinking' &&
    current.text === seen.text &&
    !dead(current) &&
    performance.now() < giveUpAt
  ) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    current = parse(await deps.live.get(path).catch(() => null));
  }
  // A speculation the model could not answer fell back to the offline responder; the turn tries the model again.
  if (
    !current?.reply ||
    current.state !== 'ready' ||
    current.gather !== gather ||
    !answersTheSame(current.text, utterance) ||
    !sameTriage(current.text, utterance, procedures) ||
    current.reply.fallback === 'offline'
  ) {
    deps.log.warn('speculation not ready in time: answering afresh', { gather });
    return { hit: null, counted: count(deps, SPECULATION_COUNTERS.wasted) };
  }
  const { language, ...reply } = current.reply;
  return {
    hit: { reply, language: language as Language | undefined },
    counted: count(deps, SPECULATION_COUNTERS.hit),
  };
}

/** Whether two wordings of one utterance get the same urgency and point at the same procedures. */
export function sameTriage(speculated: string, final: string, procedures: Procedure[]): boolean {
  const a = triage(speculated, procedures);
  const b = triage(final, procedures);
  return (
    a.urgency === b.urgency &&
    a.procedures.map((p) => p.id).join() === b.procedures.map((p) => p.id).join()
  );
}

async function count(deps: Deps, key: string) {
  await countUse(deps.live, key, deps.clock()).catch((err: unknown) =>
    deps.log.warn('could not count a speculation', { key, error: String(err) }),
  );
}
