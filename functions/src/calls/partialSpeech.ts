import { nextPartial } from '../core/partialSpeech';
import { randomBytes } from 'node:crypto';
import { SPECULATION_BUDGET_MS, nextSpeculation } from '../core/speculation';
import {
  type LiveCall,
  orderedMessages,
  PartialSpeech,
  paths,
  siteIso,
  Speculation,
} from '@aurora/model';
import { modelAllowed } from '../core/limits';
import type { Deps } from '../ports';
import { countUse, findCallBySid, readConversation } from '../steps/liveCalls';
import { languageOrSite, proceduresOrNone } from '../steps/listening';
import { SPECULATION_COUNTERS } from '../steps/speculation';
import { composeReply } from '../steps/reply';

export type PartialResult = {
  callSid: string;
  callHint?: string;
  gather?: string;
  sequence: number;
  text: string;
  /** Twilio's StableSpeechResult: the words its recogniser will not revise. */
  stable?: string;
};

/**
 * Twilio's partialResultCallback: shows admins what the caller is saying before the turn
 * completes and, on stable words, starts Aurora's reply to them (a speculation), so that the
 * turn can answer at once when the final words say the same.
 */
export async function recordPartial(
  partial: PartialResult,
  deps: Deps,
): Promise<'recorded' | 'stale' | 'unknown-call'> {
  const found = await findCallBySid(deps.live, partial.callSid, deps.log, partial.callHint);
  if (!found || !partial.gather) return 'unknown-call';
  const incoming = {
    gather: partial.gather,
    sequence: partial.sequence,
    text: partial.text,
    ...(partial.stable ? { stable: partial.stable } : {}),
  };
  const { committed: wrote } = await deps.live.transact(
    paths.partial(found.call.conversation_id),
    (current) => {
      const parsed = PartialSpeech.safeParse(current);
      return nextPartial(parsed.success ? parsed.data : null, incoming);
    },
  );
  if (wrote && partial.stable)
    await speculate(
      deps,
      found,
      partial.gather,
      partial.stable,
      performance.now() + SPECULATION_BUDGET_MS,
    );
  return wrote ? 'recorded' : 'stale';
}

/**
 * Starts the reply to a Gather's stable words, unless one is in flight for it or one on the
 * same words is done. The request is held until the reply is stored: a Cloud Function's CPU is
 * only guaranteed while it is serving a request, and Twilio ignores this callback's answer.
 * The reply goes to the conversation's `speculation` node, never to the transcript.
 */
export async function speculate(
  deps: Deps,
  found: { callId: string; call: LiveCall },
  gather: string,
  stable: string,
  /** When this request must be done speculating (performance.now() time). */
  deadline: number,
  round = 1,
): Promise<'started' | 'kept' | 'skipped'> {
  if (!deps.settings.speculate || found.call.mode !== 'ai' || found.call.status !== 'ACTIVE')
    return 'skipped';
  // Too little of the request's time left for a reply to be stored before Cloud Run ends it.
  if (deadline - performance.now() < MIN_SPECULATION_MS) return 'kept';
  const path = paths.speculation(found.call.conversation_id);
  const startedAt = siteIso(deps.clock(), deps.settings.timeZone);
  const id = randomBytes(6).toString('hex');
  let replaced = false;
  const claim = await deps.live.transact(path, (current) => {
    const parsed = Speculation.safeParse(current);
    const known = parsed.success ? parsed.data : null;
    if (nextSpeculation(known, gather, stable) !== 'start') return undefined;
    replaced = known?.gather === gather && known.state === 'ready';
    const count = (known?.gather === gather ? (known.count ?? 1) : 0) + 1;
    return {
      gather,
      id,
      count,
      text: stable,
      state: 'thinking',
      started_at: startedAt,
    } satisfies Speculation;
  });
  if (!claim.committed) return 'kept';
  // Read only once a speculation is claimed (most stable partials claim nothing): the history it
  // answers with, and the call's model calls so far. A speculation is a model call: past the
  // call's ceiling the turn answers offline, and nothing is started early.
  const conversation = await readConversation(deps.live, found.call.conversation_id).catch(
    () => null,
  );
  const modelCalls =
    orderedMessages(conversation).filter((m) => m.role === 'assistant').length +
    (conversation?.speculated ?? 0);
  if (!modelAllowed(found.call, modelCalls, deps.settings.limits)) {
    await release(deps, path, id);
    return 'skipped';
  }
  await deps.live
    .transact(
      paths.speculated(found.call.conversation_id),
      (n) => (typeof n === 'number' ? n : 0) + 1,
    )
    .catch(() => {});
  const counted = replaced
    ? countUse(deps.live, SPECULATION_COUNTERS.wasted, deps.clock()).catch(() => 0)
    : null;
  try {
    const procedures = await proceduresOrNone(deps);
    const history = Promise.resolve(conversation);
    const callLanguage = languageOrSite(deps, found.call.language);
    const withinMs = Math.max(0, deadline - performance.now() - STORE_RESERVE_MS);
    const { reply, language } = await composeReply(deps, {
      found,
      utterance: stable,
      procedures,
      history,
      callLanguage,
      withinMs,
    });
    // Stored only if it is still this Gather's speculation on these words (a turn may have answered meanwhile).
    await deps.live.transact(path, (current) => {
      if (current === null) return null; // not yet known to this client: the server's value decides
      const parsed = Speculation.safeParse(current);
      if (!parsed.success || parsed.data.state !== 'thinking' || parsed.data.id !== id)
        return undefined;
      // The database refuses undefined values: absent fields are left out.
      const stored = JSON.parse(JSON.stringify({ ...reply, language })) as Speculation['reply'];
      return { ...parsed.data, state: 'ready', reply: stored } satisfies Speculation;
    });
  } catch (err) {
    deps.log.error('speculation failed: the turn will answer itself', {
      gather,
      error: String(err),
    });
    await release(deps, path, id);
  }
  await counted;
  // Stable words that arrived while this one was in flight were kept waiting: the caller's
  // latest words get their own reply now, or the turn would find only an older one.
  const latest = PartialSpeech.safeParse(
    await deps.live.get(paths.partial(found.call.conversation_id)).catch(() => null),
  );
  if (
    round < MAX_ROUNDS &&
    latest.success &&
    latest.data.gather === gather &&
    !latest.data.closed &&
    latest.data.stable &&
    latest.data.stable !== stable
  ) {
    await speculate(deps, found, gather, latest.data.stable, deadline, round + 1);
  }
  return 'started';
}

/** Removes this speculation's claim (`id`), unless another has taken its place: the turn answers itself. */
async function release(deps: Deps, path: string, id: string): Promise<void> {
  await deps.live
    .transact(path, (current) =>
      current === null || Speculation.safeParse(current).data?.id === id ? null : undefined,
    )
    .catch(() => {});
}

/** Speculations one partial callback may run back to back before it lets go of the request. */
const MAX_ROUNDS = 4;
/** A speculation is not started with less of the request's time left than this. */
const MIN_SPECULATION_MS = 2000;
/** Kept back from the request's time for storing the reply. */
const STORE_RESERVE_MS = 500;
