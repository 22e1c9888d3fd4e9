import { AuroraError } from '../core/errors';
import type { Log } from '../core/log';
import { replyLanguage } from './language';
import { keywordUrgency, offlineReply } from './offlineResponder';
import { parseModelReply } from './modelReply';
import { triage } from './triage';
import { buildPrompt } from './prompt';
import type { Reply, Responder } from './responder';
import type { ChatModel } from '../ports';

export type ModelResponderOptions = {
  chat: ChatModel;
  model: string;
  /** Tried once the primary model has failed (after its one retry on a transient error). */
  fallbackModel?: string;
  /** The whole turn's budget for model calls, well inside Twilio's 15 s. */
  budgetMs: number;
  log: Log;
  now?: () => number;
};

/** A model attempt is not started with less time than this left; the offline answer takes over. */
export const MIN_ATTEMPT_MS = 300;

/**
 * The model with its safety net: the primary model, one retry of it on a transient error while
 * the budget lasts, the fallback model, and finally the offline responder, which always
 * answers. The Reply's `fallback` says which one spoke.
 */
export function modelResponder(options: ModelResponderOptions): Responder {
  const now = options.now ?? (() => performance.now());
  return {
    respond: async (input) => {
      const started = now();
      const recentSpeech = [
        ...input.history
          .filter((m) => m.role === 'user')
          .slice(-2)
          .map((m) => m.content),
        input.utterance,
      ].join(' ');
      const assessed = triage(recentSpeech, input.procedures);
      const grounding = assessed.procedures.slice(0, 3);
      const floor = keywordUrgency(input.utterance, input.procedures);
      const language = input.language ?? replyLanguage(input.caller.language, input.utterance);
      const messages = buildPrompt(input, grounding, language, assessed.urgencies);
      const plan: Array<{ model: string; fallback?: string; onlyAfterTransient?: boolean }> = [
        { model: options.model },
        { model: options.model, fallback: 'retry', onlyAfterTransient: true },
        ...(options.fallbackModel
          ? [{ model: options.fallbackModel, fallback: 'fallback-model' }]
          : []),
      ];
      let lastWasTransient = false;
      for (const attempt of plan) {
        if (attempt.onlyAfterTransient && !lastWasTransient) continue;
        const remaining =
          Math.min(options.budgetMs, input.withinMs ?? Infinity) - (now() - started);
        if (remaining < MIN_ATTEMPT_MS) break;
        try {
          const raw = await options.chat.complete({
            model: attempt.model,
            messages,
            timeoutMs: remaining,
          });
          const reply: Reply = parseModelReply(raw, grounding, floor, language);
          return attempt.fallback ? { ...reply, fallback: attempt.fallback } : reply;
        } catch (err) {
          lastWasTransient = err instanceof AuroraError && err.retryable;
          options.log.warn('model attempt failed', {
            model: attempt.model,
            transient: lastWasTransient,
            error: String(err),
          });
        }
      }
      return {
        ...offlineReply(input.utterance, input.procedures, language, input.history),
        fallback: 'offline',
      };
    },
  };
}
