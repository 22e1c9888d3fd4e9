import { z } from 'zod';
import { Urgency } from './urgency';

export const Role = z.enum(['user', 'assistant', 'admin', 'system']);
export type Role = z.infer<typeof Role>;

/** A message under active_conversations/{id}/messages, in the seed schema. */
export const LiveMessage = z.object({
  role: Role,
  content: z.string(),
  timestamp: z.string(),
  sources: z.string().default(''),
  /** Which fallback answered, when the primary model did not: 'retry', 'fallback-model', 'offline'. */
  fallback: z.string().optional(),
});
export type LiveMessage = z.infer<typeof LiveMessage>;

export const CallStatus = z.enum(['ACTIVE', 'ENDED']);
export type CallStatus = z.infer<typeof CallStatus>;

/** active_calls/{call_id}: the seed schema plus the fields DESIGN.md marks (+). */
export const LiveCall = z.object({
  worker_id: z.string(),
  mobile_no: z.string(),
  conversation_id: z.string(),
  urgency: Urgency,
  status: CallStatus,
  timestamp: z.string(),
  last_message_at: z.string(),
  medium: z.enum(['Voice', 'Text']),
  admin_id: z.string().optional(),
  call_sid: z.string(),
  mode: z.enum(['ai', 'human']),
  ended_at: z.string().optional(),
  duration_seconds: z.number().int().nonnegative().optional(),
  end_reason: z.string().optional(),
  /** When a caller turn began and has not finished yet; the purge waits for it. */
  turn_started_at: z.string().optional(),
  /** The model judged that a human supervisor should take over. */
  handoff_requested: z.boolean().optional(),
  /** Set by the purge once it has begun: no turn may record on the call any more. */
  purging: z.boolean().optional(),
  /** The first admin to acknowledge the call's alert (or take the call), and when. */
  acknowledged_by: z.string().optional(),
  acknowledged_at: z.string().optional(),
  /** When an unacknowledged CRITICAL call was escalated beyond the dashboard (SMS, web push). */
  escalated_at: z.string().optional(),
});
export type LiveCall = z.infer<typeof LiveCall>;

/** active_conversations/{id}/partial: the caller's speech so far in the current Gather. */
export const PartialSpeech = z.object({
  gather: z.string(),
  sequence: z.number().int().optional(),
  text: z.string().optional(),
  closed: z.boolean().optional(),
});
export type PartialSpeech = z.infer<typeof PartialSpeech>;

export const LiveConversation = z.object({
  call_id: z.string(),
  messages: z.record(z.string(), LiveMessage).default({}),
  partial: PartialSpeech.optional(),
});
export type LiveConversation = z.infer<typeof LiveConversation>;

/** Messages in key order, which is chronological. */
export function orderedMessages(conversation: LiveConversation | null): LiveMessage[] {
  if (!conversation) return [];
  return Object.keys(conversation.messages)
    .sort()
    .map((key) => conversation.messages[key]);
}
