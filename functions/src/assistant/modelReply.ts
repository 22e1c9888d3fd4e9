import { z } from 'zod';
import { AuroraError } from '../core/errors';
import { raiseUrgency } from '../core/urgency';
import { DEFAULT_LANGUAGE, type Language, type Procedure, Urgency } from '@aurora/model';
import type { Reply } from './responder';
import { withSafetyAdvice } from './safety';

/** The JSON the model must answer with. */
export const ModelOutput = z.object({
  reply: z.string().trim().min(1).max(800),
  urgency: Urgency,
  sources: z.array(z.string()).max(10).default([]),
  handoff: z.boolean().default(false),
  /** The question the reply ends with (spoken as part of it), if it asks one. */
  question: z.string().trim().max(200).nullish(),
  /** False while the urgency rests on words that leave it unsure; absent is taken as confirmed. */
  urgency_confirmed: z.boolean().optional(),
});
export type ModelOutput = z.infer<typeof ModelOutput>;

const MAX_SENTENCES = 3;

/** Markdown and list syntax out, one line, at most three sentences: something a voice can say. */
export function toSpeech(text: string): string {
  const plain = text
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/^\s*(?:[-*•]|\d+[.)])\s+/gm, '')
    .replace(/[*_#`>|]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const sentences = plain.match(/[^.!?]+[.!?]+|[^.!?]+$/g) ?? [];
  return sentences
    .slice(0, MAX_SENTENCES)
    .map((s) => s.trim())
    .join(' ');
}

/**
 * Turns the model's raw answer into a Reply, or throws a non-retryable AuroraError (the next
 * responder in line takes over). Sources are kept only if they name a procedure it was given;
 * urgency never goes below what the caller's words alone call for; CRITICAL replies always
 * send the caller to safety and to emergency services.
 */
export function parseModelReply(
  raw: string,
  given: Procedure[],
  urgencyFloor: Urgency,
  language: Language = DEFAULT_LANGUAGE,
): Reply {
  let json: unknown;
  try {
    json = JSON.parse(raw.replace(/^\s*```(?:json)?\s*|\s*```\s*$/g, ''));
  } catch (cause) {
    throw new AuroraError('model output is not JSON', { cause });
  }
  const output = ModelOutput.safeParse(json);
  if (!output.success)
    throw new AuroraError(
      `model output does not match the schema: ${output.error.issues[0]?.message}`,
    );
  const { question } = output.data;
  // The question is spoken after the (at most three) sentences of guidance, unless they already end with it.
  const guidance = toSpeech(output.data.reply);
  const asked = question ? toSpeech(question) : '';
  const text = asked && !guidance.includes(asked) ? `${guidance} ${asked}`.trim() : guidance;
  if (text === '') throw new AuroraError('model reply has nothing to say');
  const titles = new Map(given.map((p) => [p.title.toLowerCase(), p.title]));
  const sources = [
    ...new Set(
      output.data.sources
        .map((s) => titles.get(s.trim().toLowerCase()))
        .filter((s): s is string => !!s),
    ),
  ];
  const urgency = raiseUrgency(urgencyFloor, output.data.urgency);
  return {
    text: withSafetyAdvice(text, urgency, language),
    urgency,
    sources,
    handoff: output.data.handoff,
    ...(output.data.urgency_confirmed === false && urgency === 'CRITICAL'
      ? { provisional: true }
      : {}),
  };
}
