import type OpenAI from 'openai';
import type { ChatModel } from '../ports';
import { AuroraError } from '../core/errors';

/** A status a retry can cure: rate limits and server errors. */
const isTransientStatus = (status: number | undefined) =>
  status === 408 || status === 409 || status === 429 || (status ?? 0) >= 500;

/**
 * ChatModel over the openai SDK: any OpenAI-compatible provider via its base URL. The SDK's
 * own retries are off; the responder's budget decides what is retried.
 */
/**
 * The most a reply may cost: three short spoken sentences and the JSON around them (reply,
 * urgency, sources) come to about 150 tokens; the cap stops a runaway answer from holding the
 * caller (generation time grows with length) and from costing more than a turn is worth.
 */
export const MAX_REPLY_TOKENS = 300;

export function openaiChat(client: OpenAI): ChatModel {
  // Required on first use, like the other heavy SDKs.
  const { APIError, APIConnectionError } = require('openai') as typeof import('openai');
  return {
    complete: async ({ model, messages, timeoutMs }) => {
      try {
        const completion = await client.chat.completions.create(
          {
            model,
            messages,
            response_format: { type: 'json_object' },
            temperature: 0.2,
            max_tokens: MAX_REPLY_TOKENS,
          },
          { timeout: Math.max(1, Math.floor(timeoutMs)), maxRetries: 0 },
        );
        const message = completion.choices[0]?.message;
        if (message?.refusal) throw new AuroraError(`model refused: ${message.refusal}`);
        if (!message?.content) throw new AuroraError('model returned no content');
        return message.content;
      } catch (err) {
        if (err instanceof AuroraError) throw err;
        const transient =
          err instanceof APIConnectionError ||
          (err instanceof APIError && isTransientStatus((err as { status?: number }).status));
        throw new AuroraError(`model call failed: ${(err as Error).message}`, {
          cause: err,
          retryable: transient,
        });
      }
    },
  };
}

/** A ChatModel for a provider: the openai client is required here, on first use. */
export function openaiChatFor(provider: { apiKey: string; baseUrl: string }): ChatModel {
  const OpenAIClient = (require('openai') as typeof import('openai')).default;
  return openaiChat(
    new OpenAIClient({ apiKey: provider.apiKey, baseURL: provider.baseUrl, maxRetries: 0 }),
  );
}
