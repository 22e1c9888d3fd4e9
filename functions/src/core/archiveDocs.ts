import {
  type ArchivedCall,
  type ArchivedConversation,
  type LiveCall,
  type LiveConversation,
  type LiveMessage,
  orderedMessages,
} from '@aurora/model';

/** Firestore's document limit is 1 MiB; leave room for field names and the other fields. */
export const INLINE_TRANSCRIPT_BYTES = 900_000;
/** Size of one spilled page of messages, well under the document limit. */
export const PAGE_BYTES = 500_000;

export type ArchivePlan = {
  callId: string;
  conversationId: string;
  call: ArchivedCall;
  conversation: ArchivedConversation;
  /** Spilled transcript pages, in order; empty when the transcript fits inline. */
  pages: LiveMessage[][];
};

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** Splits messages into pages of at most PAGE_BYTES each (a lone huge message gets its own page). */
export function paginate(messages: LiveMessage[], pageBytes = PAGE_BYTES): LiveMessage[][] {
  const pages: LiveMessage[][] = [];
  let page: LiveMessage[] = [];
  let size = 0;
  for (const message of messages) {
    const size1 = bytes(message);
    if (page.length > 0 && size + size1 > pageBytes) {
      pages.push(page);
      page = [];
      size = 0;
    }
    page.push(message);
    size += size1;
  }
  if (page.length > 0) pages.push(page);
  return pages;
}

/** What archiving a call writes, from its live records. Pure. */
export function planArchive(
  callId: string,
  call: LiveCall,
  conversation: LiveConversation | null,
  inlineBytes = INLINE_TRANSCRIPT_BYTES,
): ArchivePlan {
  const messages = orderedMessages(conversation).map(
    ({ role, content, timestamp, sources, fallback, by, spoken }) => ({
      role,
      content,
      timestamp,
      sources: sources ?? '',
      ...(fallback ? { fallback } : {}),
      // Who spoke, for words transcribed from the call's conference: the archive keeps it (issue 24).
      ...(by ? { by } : {}),
      ...(spoken ? { spoken } : {}),
    }),
  );
  const spill = bytes(messages) > inlineBytes;
  const pages = spill ? paginate(messages) : [];
  return {
    callId,
    conversationId: call.conversation_id,
    call: {
      worker_id: call.worker_id,
      mobile_no: call.mobile_no,
      conversation_id: call.conversation_id,
      urgency: call.urgency,
      status: 'COMPLETE',
      medium: call.medium,
      duration_seconds: call.duration_seconds ?? 0,
      timestamp: new Date(call.timestamp),
      resolved_at: new Date(call.ended_at ?? call.last_message_at),
      final_action: null,
      admin_id: call.admin_id ?? null,
      admin_notes: '',
      call_sid: call.call_sid,
      end_reason: call.end_reason ?? 'unknown',
      mode: call.mode,
      ...(call.recorded_late ? { recorded_late: true } : {}),
      // Who joined the call's conference, by what, and how each leg ended (when humans talked).
      ...(call.conference?.members ? { conference_members: call.conference.members } : {}),
      // Each fall in urgency, with its reason, in the order it happened (keys sort in time order).
      ...(call.urgency_falls
        ? {
            urgency_falls: Object.keys(call.urgency_falls)
              .sort()
              .map((key) => call.urgency_falls![key]),
          }
        : {}),
    },
    conversation: {
      call_id: callId,
      messages: spill ? [] : messages,
      total_messages: messages.length,
      ...(spill ? { message_pages: pages.length } : {}),
      ...(call.answered ? { answered_turns: Object.keys(call.answered) } : {}),
    },
    pages,
  };
}

const fingerprint = (m: LiveMessage) =>
  JSON.stringify([m.timestamp, m.role, m.content, m.sources ?? '']);

/** The live messages the archive does not hold (counted, so repeated identical lines count). */
export function missingFromArchive(live: LiveMessage[], archived: LiveMessage[]): LiveMessage[] {
  const held = new Map<string, number>();
  for (const m of archived) held.set(fingerprint(m), (held.get(fingerprint(m)) ?? 0) + 1);
  return live.filter((m) => {
    const n = held.get(fingerprint(m)) ?? 0;
    if (n === 0) return true;
    held.set(fingerprint(m), n - 1);
    return false;
  });
}
