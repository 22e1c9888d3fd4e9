/**
 * The bench's "caller stops speaking → reply ready", with and without speculative replies, over
 * the same utterances in one run. A caller speaks a word every WORD_MS; Twilio posts a partial
 * result per word (the stable words lag the spoken ones by one, and all are stable once the
 * caller stops), waits its end-of-speech timeout, then posts the final words with punctuation.
 * Partial callbacks are not awaited before the next word, as Twilio does not wait for them.
 * Without speculation the same partials carry no stable words, so nothing is started early.
 */
import type { Database } from 'firebase-admin/database';
import type { SimulatedCall, TwimlTurn } from './twilio-sim.ts';

/** How fast the simulated caller speaks: about 200 words a minute, Twilio's partials about as often. */
export const WORD_MS = 300;

export type SpokenTurn = {
  /** The final words posted to the reply ready (TwiML received), as Twilio sees it. */
  answerMs: number;
  /** The same, inside the handler (Server-Timing). */
  handlerMs: number;
  failed: boolean;
  /** Aurora is still listening after this turn. */
  listening: boolean;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** "there's a fire in zone a" as a recogniser's final result writes it: "There's a fire in zone a." */
const finalForm = (words: string[]) => `${words.join(' ').replace(/^./, (c) => c.toUpperCase())}.`;

/** One utterance, spoken word by word, then the final words after the end-of-speech timeout. */
export async function speakThenAnswer(
  call: SimulatedCall,
  utterance: string,
  options: { speculate: boolean; speechEndMs: number },
): Promise<SpokenTurn> {
  const words = utterance
    .toLowerCase()
    .replace(/[?.!,]/g, '')
    .split(/\s+/);
  const callbacks: Array<Promise<TwimlTurn | null>> = [];
  for (let spoken = 1; spoken <= words.length; spoken++) {
    const last = spoken === words.length;
    const stableCount = options.speculate ? (last ? spoken : spoken - 1) : 0;
    const stable = words.slice(0, stableCount).join(' ');
    const unstable = words.slice(stableCount, spoken).join(' ');
    callbacks.push(call.speaking(unstable, stable).catch(() => null));
    if (!last) await sleep(WORD_MS);
  }
  await sleep(options.speechEndMs);
  const turn = await call.say(finalForm(words));
  await Promise.all(callbacks);
  if (turn.status !== 200 || !turn.gatherAction)
    console.error(
      `turn answered ${turn.status}${turn.gatherAction ? '' : ', no Gather'}: ${turn.body.slice(0, 300)}`,
    );
  return {
    answerMs: turn.ms,
    handlerMs: turn.serverTiming.handler ?? 0,
    failed: turn.status !== 200,
    listening: !!turn.gatherAction,
  };
}

/** Speculations counted so far (all hours): those that answered a turn, and those wasted. */
export async function speculationCounts(db: Database): Promise<{ hit: number; wasted: number }> {
  const sum = async (key: string) =>
    Object.values(
      ((await db.ref(`usage/${key}`).get()).val() ?? {}) as Record<string, number>,
    ).reduce((a, b) => a + b, 0);
  return { hit: await sum('speculation-hit'), wasted: await sum('speculation-wasted') };
}
