/** Realtime Database locations, in one place so every writer agrees. */
export const paths = {
  call: (callId: string) => `active_calls/${callId}`,
  conversation: (conversationId: string) => `active_conversations/${conversationId}`,
  message: (conversationId: string, key: string) => `active_conversations/${conversationId}/messages/${key}`,
  /** What the caller is saying right now, before the turn's final words arrive. */
  partial: (conversationId: string) => `active_conversations/${conversationId}/partial`,
  /** Index: Twilio CallSid to call_id. A number can have several calls; a CallSid has one. */
  callSid: (callSid: string) => `call_sids/${callSid}`,
  activeCalls: 'active_calls',
};
