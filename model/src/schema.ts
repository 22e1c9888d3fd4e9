/**
 * Aurora's data model: every record the functions write and the dashboard reads, as zod schemas
 * with their types (one name for both). The functions validate with the schemas; the dashboard
 * imports the types only (type-only imports bundle nothing) and the locations from paths.ts.
 */
import { z } from 'zod';

export const Urgency = z.enum(['NORMAL', 'URGENT', 'CRITICAL']);
export type Urgency = z.infer<typeof Urgency>;

/** What a call id looks like; anything else is never used in a database path. */
export const CALL_ID_PATTERN = /^call_[A-Za-z0-9_]{1,80}$/;

/** Who a transcript line is from: the caller, Aurora, a supervisor (typed or spoken), the system, or the on-call person a supervisor brought into the call. */
export const Role = z.enum(['user', 'assistant', 'admin', 'system', 'oncall']);
export type Role = z.infer<typeof Role>;

/** A message under active_conversations/{id}/messages, in the seed schema. */
export const LiveMessage = z.object({
  role: Role,
  content: z.string(),
  timestamp: z.string(),
  sources: z.string().default(''),
  /** Which fallback answered, when the primary model did not: 'retry', 'fallback-model', 'offline'. */
  fallback: z.string().optional(),
  /** Who spoke, for words transcribed from a call's conference: the admin's id, or the on-call number. */
  by: z.string().optional(),
  /** The words were transcribed from the call's conference (Twilio's real-time transcription), not a Gather. */
  spoken: z.boolean().optional(),
});
export type LiveMessage = z.infer<typeof LiveMessage>;

export const CallStatus = z.enum(['ACTIVE', 'ENDED']);
export type CallStatus = z.infer<typeof CallStatus>;

/**
 * One on-call recipient of an escalation text. `sending` is a claim with a time, so a retry
 * after a crash sends again (at least once) while a concurrent run does not; `sent` holds
 * Twilio's message SID, the proof that Twilio accepted it.
 */
export const EscalationRecipient = z.object({
  to: z.string(),
  /** `held`: the number's hourly text cap was reached (a summary text went out); the dashboard and web push carry on. */
  state: z.enum(['pending', 'sending', 'sent', 'failed', 'held']),
  at: z.string().optional(),
  sid: z.string().optional(),
  error: z.string().optional(),
  attempts: z.number().int().nonnegative().default(0),
  /**
   * What the carrier said of the accepted text (Twilio's status callbacks for `sid`), the most
   * advanced state only (core/delivery.ts): `sent` is on its way, the others are final.
   */
  delivery: z.enum(['sent', 'delivered', 'undelivered', 'failed']).optional(),
  /** Why an undelivered or failed text did not arrive: Twilio's ErrorCode, in words. */
  delivery_error: z.string().optional(),
  delivery_at: z.string().optional(),
  /** The voice call placed to this number because its text was not delivered: `calling` is a claim with a time. */
  voice_call: z
    .object({
      state: z.enum(['calling', 'placed', 'failed']),
      at: z.string(),
      sid: z.string().optional(),
      error: z.string().optional(),
    })
    .optional(),
});
export type EscalationRecipient = z.infer<typeof EscalationRecipient>;
export type Delivery = NonNullable<EscalationRecipient['delivery']>;

export const Escalation = z.object({
  /** By recipient key (the number, made key-safe). */
  recipients: z.record(z.string(), EscalationRecipient).default({}),
  /** Admins' browsers the web push reached. */
  pushed: z.number().int().nonnegative().optional(),
  /** Set when the escalation cannot reach anyone (not configured, or out of retries): admins must act. */
  failed: z.string().optional(),
});
export type Escalation = z.infer<typeof Escalation>;

/** What a key question asks about (reference.ts): the facts a dispatcher settles urgency with. */
export const QuestionId = z.enum(['awake', 'breathing', 'trapped', 'hurt', 'real', 'ongoing']);
export type QuestionId = z.infer<typeof QuestionId>;

/** Aurora's key question, asked in a reply and open until the caller's next words answer it. */
export const OpenQuestion = z.object({
  /** The procedure it belongs to, and which of its questions. */
  procedure: z.string(),
  id: QuestionId,
  asked_at: z.string(),
});
export type OpenQuestion = z.infer<typeof OpenQuestion>;

/**
 * A fall in urgency: only on the caller's explicit answer to Aurora's key question ("it's the
 * drill", "she's awake and talking") or on a supervisor's decision; kept with its reason.
 */
export const UrgencyFall = z.object({
  from: Urgency,
  to: Urgency,
  /** In words, for the dashboard and the archive: the question and the answer, or the supervisor's note. */
  reason: z.string(),
  by: z.enum(['caller', 'supervisor']),
  /** The supervisor's id, when one decided. */
  admin_id: z.string().optional(),
  at: z.string(),
});
export type UrgencyFall = z.infer<typeof UrgencyFall>;

/** active_calls/{call_id}: the seed schema plus the fields docs/design.md marks (+). */
/**
 * One human leg of a call's voice conference (issue 24), keyed by its CallSid under
 * `conference.members`: a supervisor at a desk (browser) or on a phone, or the on-call person a
 * supervisor transferred the call to. A phone leg is listed from the moment Twilio accepted it
 * (`ringing`), so the dashboard can say how it ended when nobody joined.
 */
export const ConferenceMember = z.object({
  role: z.enum(['supervisor', 'oncall']),
  /** The admin's id (as admin_id names them) for a supervisor; the number dialled for on-call. */
  who: z.string(),
  via: z.enum(['browser', 'phone']),
  /** The number a phone leg rings. */
  to: z.string().optional(),
  state: z.enum(['ringing', 'joined', 'left', 'declined', 'busy', 'no-answer', 'failed']),
  /** Joined muted: hears the call without being heard (listening in) until unmuted. */
  muted: z.boolean(),
  /** When `state` last changed (site ISO). */
  at: z.string(),
  /**
   * When the leg was last recorded unmuted (site ISO, to the second; absent for a leg joined
   * muted and never unmuted). A transcription callback can arrive after the unmute for words
   * said while still muted: words spoken (Twilio's Timestamp) before this are not the call's
   * transcript (core/transcription.ts unheardBecause).
   */
  unmuted_at: z.string().optional(),
  /**
   * A phone leg's holder when it was rung (the admin id; absent when nobody held the call): a
   * leg rung while a supervisor held the call must not join once the call is handed back (or
   * changes hands) before it presses 1 (calls/voiceLegs.ts legPress).
   */
  rang_holder: z.string().optional(),
});
export type ConferenceMember = z.infer<typeof ConferenceMember>;

/**
 * The call's Twilio conference, once a human voice has joined it: its name (`aurora-{callId}`),
 * its ConferenceSid once Twilio has reported it, whether the caller is in it (else the caller
 * is with Aurora's Gather), and its human legs.
 */
export const CallConference = z.object({
  name: z.string(),
  sid: z.string().optional(),
  caller_in: z.boolean(),
  /**
   * When the caller was last moved in (site ISO): a conference-end Twilio sends late for an
   * earlier conference of the call, before this one's sid is known, is older than this and ignored.
   */
  started_at: z.string().optional(),
  /**
   * When the caller's own participant-join was recorded (site ISO): only from then is anyone in
   * the conference to hear a human's words, so none said before are recorded as spoken
   * (core/transcription.ts). Kept after the conference ends; cleared when the caller is moved in again.
   */
  caller_joined_at: z.string().optional(),
  /**
   * When the caller was last recorded out of the conference (site ISO): their last words,
   * transcribed late, are kept up to it. Kept when they are moved in again (a move that fails
   * leaves them out); their next leave replaces it.
   */
  caller_left_at: z.string().optional(),
  /**
   * Typed words waiting to be spoken into the conference, by the random key their AnnounceUrl
   * names (the words never ride in a URL): deleted once /twilio/announce has read them, or when
   * the conference ends.
   */
  announcements: z.record(z.string(), z.string()).optional(),
  /**
   * The keys among `announcements` that are Aurora's replies (steps/conferenceReply.ts), not a
   * supervisor's typed words: Aurora never speaks while a human holds the call, so a take removes
   * their words (keeping the key) and /twilio/announce says nothing for them while someone holds
   * it, recording the reply as not spoken. Dropped with the words, or when the conference ends.
   */
  aurora_announcements: z.record(z.string(), z.literal(true)).optional(),
  members: z.record(z.string(), ConferenceMember).optional(),
});
export type CallConference = z.infer<typeof CallConference>;

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
  /**
   * The latest acknowledgement (or takeover), when, and the urgency it covers: a call that
   * rises above that urgency needs acknowledging again (model/acknowledgement.ts).
   */
  acknowledged_by: z.string().optional(),
  acknowledged_at: z.string().optional(),
  acknowledged_urgency: Urgency.optional(),
  /** When an unacknowledged CRITICAL call was escalated beyond the dashboard (SMS, web push). */
  escalated_at: z.string().optional(),
  /** Who the escalation texted and what Twilio said, recipient by recipient. */
  escalation: Escalation.optional(),
  /** While a human holds the call: since when the caller has said nothing (cleared when they speak). */
  quiet_since: z.string().optional(),
  /** The caller's number is past its hourly model ceiling: the offline responder answers this call. */
  offline_only: z.boolean().optional(),
  /** The caller's language (a code such as 'de'): from the registry, else as detected from their words. */
  language: z.string().optional(),
  /** Its start could not be recorded (the database was slow or down); a later webhook recorded it. */
  recorded_late: z.boolean().optional(),
  /**
   * The Gathers whose turn has been recorded: a replayed turn finds its Gather here and records
   * nothing. The value is the opening attempt's token, so a retry of an attempt whose commit was
   * only slow (not refused) knows the turn as its own.
   */
  answered: z.record(z.string(), z.union([z.literal(true), z.string()])).optional(),
  /**
   * The bridged leg (its CallSid) whose called person pressed 1 at the screening: only such a
   * leg was connected to the caller (core/bridge.ts). Cleared when the bridge's result arrives.
   */
  bridge_accepted: z.string().optional(),
  /** The call's voice conference, while or after humans talked with the caller (issue 24). */
  conference: CallConference.optional(),
  /**
   * The caller's last consecutive utterances were strong evidence for this other language; the
   * call switches to it at two in a row (assistant/language.ts). Cleared by any other utterance.
   */
  language_evidence: z
    .object({ language: z.string(), count: z.number().int().positive() })
    .optional(),
  /**
   * The urgency rests on words that leave it unsure ("he collapsed", "smoke in the hall"): it alarms
   * at once, marked unconfirmed, and Aurora asks the question that settles it. Confirmed (cleared)
   * by the caller's answer, a later utterance, silence past the window, or the line dropping; the
   * on-call staff are texted only once it is confirmed (core/callUrgency.ts).
   */
  urgency_provisional: z.boolean().optional(),
  /** Aurora's key question the caller has not answered yet. */
  question: OpenQuestion.optional(),
  /** Every fall in urgency, with its reason, by key in time order. */
  urgency_falls: z.record(z.string(), UrgencyFall).optional(),
});
export type LiveCall = z.infer<typeof LiveCall>;

/** active_conversations/{id}/partial: the caller's speech so far in the current Gather. */
export const PartialSpeech = z.object({
  gather: z.string(),
  sequence: z.number().int().optional(),
  text: z.string().optional(),
  /** The part of `text` Twilio's recogniser will not revise (StableSpeechResult): what a speculation answers. */
  stable: z.string().optional(),
  closed: z.boolean().optional(),
});
export type PartialSpeech = z.infer<typeof PartialSpeech>;

/**
 * active_conversations/{id}/speculation: a reply started on a Gather's stable partial words,
 * before Twilio posts the final ones. Never part of the transcript: the turn records the reply
 * as its own when the final words say the same, and the speculation is then `used`.
 */
export const Speculation = z.object({
  gather: z.string(),
  /** This speculation's own id: a later one on the same Gather, or the turn's `used` marker, is told apart by it. */
  id: z.string().optional(),
  /** Speculations started on this Gather so far, this one included (they are capped). */
  count: z.number().int().optional(),
  /** The stable words it answers. */
  text: z.string(),
  state: z.enum(['thinking', 'ready', 'used']),
  started_at: z.string(),
  reply: z
    .object({
      text: z.string(),
      urgency: Urgency,
      sources: z.array(z.string()).default([]),
      fallback: z.string().optional(),
      handoff: z.boolean().optional(),
      language: z.string().optional(),
      /** The key question the reply ends with: used, it opens on the call as the turn's own would. */
      question: z.object({ procedure: z.string(), id: QuestionId }).optional(),
      provisional: z.boolean().optional(),
    })
    .optional(),
});
export type Speculation = z.infer<typeof Speculation>;

export const LiveConversation = z.object({
  call_id: z.string(),
  messages: z.record(z.string(), LiveMessage).default({}),
  partial: PartialSpeech.optional(),
  speculation: Speculation.optional(),
  /** Gathers whose words were written before their turn could be opened (the database refused it): a retry records nothing. */
  answered: z.record(z.string(), z.literal(true)).optional(),
  /** Speculations started on this call, all Gathers together: model calls, counted against its ceiling. */
  speculated: z.number().int().nonnegative().optional(),
});
export type LiveConversation = z.infer<typeof LiveConversation>;

/**
 * A conversation as it can be read, whatever a half-failed write left: a missing `call_id` is
 * filled in from `callId`, a message missing fields keeps what it has (role `system` when its
 * role is unknown), and a message that is not an object at all is kept as text. Archival must
 * never stick on a record it could not parse: it archives what is there. `repaired` counts
 * what had to be filled in.
 */
export function salvageConversation(
  raw: unknown,
  callId: string,
): { conversation: LiveConversation; repaired: number } {
  const parsed = LiveConversation.safeParse(raw);
  if (parsed.success) return { conversation: parsed.data, repaired: 0 };
  const node = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  let repaired = typeof node.call_id === 'string' ? 0 : 1;
  const messages: Record<string, LiveMessage> = {};
  const rawMessages =
    node.messages !== null && typeof node.messages === 'object'
      ? (node.messages as Record<string, unknown>)
      : {};
  for (const [key, value] of Object.entries(rawMessages)) {
    const message = LiveMessage.safeParse(value);
    if (message.success) {
      messages[key] = message.data;
      continue;
    }
    repaired++;
    const m = (value !== null && typeof value === 'object' ? value : { content: value }) as Record<
      string,
      unknown
    >;
    const text = (v: unknown) =>
      typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);
    const role = Role.safeParse(m.role);
    messages[key] = {
      role: role.success ? role.data : 'system',
      content: text(m.content),
      timestamp: text(m.timestamp),
      sources: text(m.sources),
    };
  }
  const partial = PartialSpeech.safeParse(node.partial);
  return {
    conversation: {
      call_id: typeof node.call_id === 'string' ? node.call_id : callId,
      messages,
      ...(partial.success ? { partial: partial.data } : {}),
    },
    repaired,
  };
}

/** Messages in key order, which is chronological. */
export function orderedMessages(conversation: LiveConversation | null): LiveMessage[] {
  if (!conversation) return [];
  return Object.keys(conversation.messages)
    .sort()
    .map((key) => conversation.messages[key]);
}

// ---- The fan-out's records: alerts and the live summary ----

export type AlertKind =
  | 'new-call'
  | 'urgent'
  | 'critical'
  | 'taken'
  | 'ended'
  | 'escalated'
  | 'escalation-failed'
  | 'escalation-undelivered';

/** admin_alerts/{uid}/{alert_id}: what each admin sees arrive. */
export type Alert = {
  call_id: string;
  kind: AlertKind;
  urgency: Urgency;
  worker_id: string;
  mobile_no: string;
  at: string;
  /** Who took the call, on a 'taken' alert. */
  admin_id?: string;
};

/** The live call's fields a summary row carries: no transcript, no internal markers. */
export const SUMMARY_ROW_FIELDS = [
  'worker_id',
  'mobile_no',
  'conversation_id',
  'urgency',
  'status',
  'timestamp',
  'last_message_at',
  'mode',
  'admin_id',
  'ended_at',
  'handoff_requested',
  'acknowledged_by',
  'acknowledged_at',
  'acknowledged_urgency',
  'escalated_at',
  'escalation',
  'quiet_since',
  'urgency_provisional',
] as const;

/** One row of live_summary/calls. */
export type SummaryRow = Pick<LiveCall, (typeof SUMMARY_ROW_FIELDS)[number]>;

/** A removed call's row stays a while as a tombstone, so a late, stale delivery cannot bring it back. */
export type Tombstone = { gone_at: number };

/** live_summary: counts of ACTIVE calls by urgency, and one row (or tombstone) per call. */
export type LiveSummary = {
  counts: Record<Urgency, number> & { total: number };
  calls: Record<string, SummaryRow | Tombstone>;
};

// ---- The archive (Firestore) ----

/**
 * calls/{call_id}: seed 000's shape, plus the live call's (+) fields so nothing is dropped.
 * `T` is how instants are held: Date when written, the SDK's Timestamp when read.
 */
export type ArchivedCall<T = Date> = {
  worker_id: string;
  mobile_no: string;
  conversation_id: string;
  urgency: Urgency;
  status: 'COMPLETE';
  medium: LiveCall['medium'];
  duration_seconds: number;
  timestamp: T;
  resolved_at: T;
  final_action: string | null;
  admin_id: string | null;
  admin_notes: string;
  call_sid: string;
  end_reason: string;
  mode: LiveCall['mode'];
  /** Recorded by a later webhook than the incoming call's (see LiveCall), or from the status callback alone. */
  recorded_late?: boolean;
  /** Every fall in urgency during the call, oldest first, each with its reason. */
  urgency_falls?: UrgencyFall[];
  /** The human legs of the call's conference (who joined, by what, how each ended), when humans talked. */
  conference_members?: Record<string, ConferenceMember>;
};

/** conversations/{conversation_id}, without archived_at (the server stamps it). */
export type ArchivedConversation = {
  call_id: string;
  messages: LiveMessage[];
  total_messages: number;
  /** Present only when the transcript spilled into the message_pages subcollection. */
  message_pages?: number;
  /** The turns (Gathers) already in the transcript, so a replayed one is not appended again. */
  answered_turns?: string[];
};

/** The admin-owned fields: written once when the archive is created, never overwritten by a re-archive. */
export const ADMIN_FIELDS = ['final_action', 'admin_id', 'admin_notes'] as const;

// ---- The dashboard's callable ----

/** The longest line an admin may have spoken to a caller at once (Twilio <Say> is sentences, not essays). */
export const MAX_SPOKEN_CHARS = 600;

const callId = z.string().regex(CALL_ID_PATTERN, 'not a call id');

/** What an admin can do to a live call: the callControl callable's payload. */
export const CallAction = z.discriminatedUnion('action', [
  z.object({ action: z.literal('take'), callId }),
  z.object({
    action: z.literal('say'),
    callId,
    text: z.string().trim().min(1, 'say something').max(MAX_SPOKEN_CHARS),
  }),
  z.object({ action: z.literal('release'), callId }),
  z.object({
    action: z.literal('bridge'),
    callId,
    to: z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number, like +15551234567'),
  }),
  z.object({ action: z.literal('end'), callId }),
  z.object({ action: z.literal('ack'), callId }),
  /** Rings the admin's registered phone into the call's conference (press 1 to join). */
  z.object({ action: z.literal('callme'), callId }),
  /** A warm transfer: rings an allowed number, which hears Aurora's brief of the call and presses 1 to join. */
  z.object({
    action: z.literal('transfer'),
    callId,
    to: z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number, like +15551234567'),
  }),
  /** Mutes (listen only) or unmutes (barge in) the admin's own legs in the call's conference. */
  z.object({ action: z.literal('mute'), callId, muted: z.boolean() }),
  /** Drops the admin's own legs from the conference; the caller stays with whoever remains, else Aurora. */
  z.object({ action: z.literal('leave'), callId }),
  /** A supervisor's decision on urgency (raise or lower), kept with its reason. */
  z.object({
    action: z.literal('urgency'),
    callId,
    urgency: Urgency,
    reason: z.string().trim().min(3, 'say why').max(300),
  }),
]);
export type CallAction = z.infer<typeof CallAction>;

/** What callControl answers: whether Twilio still had the call. */
export type CallControlResult = { reached: boolean };

/** What the voiceToken callable answers: a Twilio Access Token for the Voice JavaScript SDK, and when it expires. */
export type VoiceTokenResult = { token: string; identity: string; expiresAt: string };

/** What the siteSettings callable answers: the site's IANA time zone, which every time on the dashboard is shown in. */
export type SiteSettings = { timeZone: string };
