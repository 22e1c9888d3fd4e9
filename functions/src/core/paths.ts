/** Realtime Database locations, in one place so every writer agrees. */
export const paths = {
  call: (callId: string) => `active_calls/${callId}`,
  conversation: (conversationId: string) => `active_conversations/${conversationId}`,
  message: (conversationId: string, key: string) => `active_conversations/${conversationId}/messages/${key}`,
  /** What the caller is saying right now, before the turn's final words arrive. */
  partial: (conversationId: string) => `active_conversations/${conversationId}/partial`,
  /** Index: Twilio CallSid to call_id. A number can have several calls; a CallSid has one. */
  callSid: (callSid: string) => `call_sids/${callSid}`,
  /**
   * Call ids handed out, kept after the purge (the sweeper drops them after a day): an id is
   * never reused, so a call cannot overwrite an archived call or meet its old task ids.
   */
  callIds: 'call_ids',
  callIdReservation: (callId: string) => `call_ids/${callId}`,
  activeCalls: 'active_calls',
  /** Admins the fan-out alerts (uid to email), kept by the admin claim script. */
  admins: 'admins',
  /** One admin's alerts; only that admin can read them. */
  adminAlerts: (uid: string) => `admin_alerts/${uid}`,
  adminAlert: (uid: string, alertId: string) => `admin_alerts/${uid}/${alertId}`,
  /** Browser push tokens an admin registered (FCM), by a key derived from the token. */
  pushTokens: 'admin_push_tokens',
  /** Counts by urgency and one compact row per live call: what the dashboard list reads. */
  liveSummary: 'live_summary',
};
