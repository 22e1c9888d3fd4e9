/**
 * Where Aurora's data lives, in one place so every writer and reader agrees: the functions, the
 * dashboard and the scripts. Dependency-free on purpose: it is bundled into the dashboard.
 */

/** Realtime Database locations: the live side. */
export const paths = {
  call: (callId: string) => `active_calls/${callId}`,
  conversation: (conversationId: string) => `active_conversations/${conversationId}`,
  message: (conversationId: string, key: string) =>
    `active_conversations/${conversationId}/messages/${key}`,
  /** A conversation's messages, for listeners. */
  messages: (conversationId: string) => `active_conversations/${conversationId}/messages`,
  /** What the caller is saying right now, before the turn's final words arrive. */
  partial: (conversationId: string) => `active_conversations/${conversationId}/partial`,
  /** The reply started on the current Gather's stable words (see Speculation). */
  speculation: (conversationId: string) => `active_conversations/${conversationId}/speculation`,
  /** How many speculations the call has started (model calls, counted against its ceiling). */
  speculated: (conversationId: string) => `active_conversations/${conversationId}/speculated`,
  /** Index: Twilio CallSid to call_id. A number can have several calls; a CallSid has one. */
  callSid: (callSid: string) => `call_sids/${callSid}`,
  /**
   * Call ids handed out, kept after the purge (the sweeper drops them after a day): an id is
   * never reused, so a call cannot overwrite an archived call or meet its old task ids.
   */
  callIds: 'call_ids',
  callIdReservation: (callId: string) => `call_ids/${callId}`,
  activeCalls: 'active_calls',
  activeConversations: 'active_conversations',
  /** Admins the fan-out alerts (uid to email), kept by the admin claim script. */
  admins: 'admins',
  admin: (uid: string) => `admins/${uid}`,
  /** The phone "Call me" rings for that admin (E.164), set with `npm run admin -- grant <email> --phone`; readable by that admin alone. */
  adminPhone: (uid: string) => `admins/${uid}/phone`,
  /** Every admin's alerts. */
  allAdminAlerts: 'admin_alerts',
  /** One admin's alerts; only that admin can read them. */
  adminAlerts: (uid: string) => `admin_alerts/${uid}`,
  adminAlert: (uid: string, alertId: string) => `admin_alerts/${uid}/${alertId}`,
  /** Browser push tokens an admin registered (FCM), by a key derived from the token. */
  pushTokens: 'admin_push_tokens',
  adminPushTokens: (uid: string) => `admin_push_tokens/${uid}`,
  /** Hourly usage counters for the cost ceilings, by subject (a caller's digits, an on-call number): usage/{key}/{YYYYMMDDHH}. */
  usage: 'usage',
  usageCounter: (key: string, hour: string) => `usage/${key}/${hour}`,
  /** Counts by urgency and one compact row per live call: what the dashboard list reads. */
  liveSummary: 'live_summary',
};

/** Firestore collections: the archive and the site's reference data. */
export const collections = {
  /** calls/{call_id}: archived calls, seed 000's shape. */
  calls: 'calls',
  /** conversations/{conversation_id}: archived transcripts. */
  conversations: 'conversations',
  /** conversations/{id}/message_pages/{nnnn}: a transcript too large for one document. */
  messagePages: 'message_pages',
  /** workers/{E.164 number}: the worker registry. */
  workers: 'workers',
  /** procedures/{id}: the site's emergency procedures. */
  procedures: 'procedures',
  /** admins/{uid}: the admin directory's copy that firestore.rules reads (rules cannot read the Realtime Database). */
  admins: 'admins',
} as const;
