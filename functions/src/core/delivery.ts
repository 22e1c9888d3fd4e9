/**
 * Whether an escalation text arrived. Twilio accepting a text is not delivery: a US number not
 * registered for A2P 10DLC is blocked after acceptance (30034), a country without geo permission
 * is refused (21408), a phone can be off. Twilio posts each status change to the text's
 * StatusCallback (https://www.twilio.com/docs/messaging/guides/track-outbound-message-status),
 * out of order and sometimes more than once ("the order in which status callback requests
 * arrive at your endpoint is not guaranteed"), so only the most advanced state is kept. Pure.
 */
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import type { Delivery, EscalationRecipient, LiveCall } from '@aurora/model';
import { speakable } from './twiml';

/** Where Twilio posts an escalation text's status: `?call=<callId>&to=<recipient key>`. */
export const MESSAGE_STATUS_PATH = '/twilio/message-status';

/** A recipient key as escalateCall makes them (keySafe of an E.164 number): nothing else names a database path. */
export const RECIPIENT_KEY_PATTERN = /^[A-Za-z0-9+%_-]{1,64}$/;

/** The StatusCallback URL of the text to one recipient of a call's escalation. */
export function messageStatusUrl(baseUrl: string, callId: string, recipientKey: string): string {
  return `${baseUrl}${MESSAGE_STATUS_PATH}?${new URLSearchParams({ call: callId, to: recipientKey }).toString()}`;
}

/**
 * Twilio's MessageStatus as a delivery state, or null for one that adds nothing to Twilio's
 * acceptance (queued, accepted, scheduled, sending) or is unknown
 * (https://www.twilio.com/docs/messaging/api/message-resource#message-status-values). `read`
 * (a receipt some channels give) was delivered; `canceled` never will be.
 */
export function deliveryOf(messageStatus: string): Delivery | null {
  switch (messageStatus) {
    case 'sent':
      return 'sent';
    case 'delivered':
    case 'read':
      return 'delivered';
    case 'undelivered':
      return 'undelivered';
    case 'failed':
    case 'canceled':
      return 'failed';
    default:
      return null;
  }
}

const FINAL: ReadonlySet<Delivery> = new Set(['delivered', 'undelivered', 'failed']);

/** The carrier's last word: delivered, undelivered or failed never change. */
const isFinal = (delivery: Delivery | undefined) => !!delivery && FINAL.has(delivery);

/** The text will not arrive: the on-call number must be reached another way. */
export const notDelivered = (delivery: Delivery | undefined) =>
  delivery === 'undelivered' || delivery === 'failed';

/**
 * The delivery state after a report, or null when the report changes nothing: it is not more
 * advanced than what is known, or a final state is known already (a late `sent` after
 * `delivered`, a repeated `undelivered`).
 */
export function advanceDelivery(
  current: Delivery | undefined,
  reported: Delivery,
): Delivery | null {
  if (current === reported || isFinal(current)) return null;
  return current === undefined || isFinal(reported) ? reported : null;
}

/**
 * Twilio's delivery errors a supervisor can act on, in words
 * (https://www.twilio.com/docs/api/errors/<code>); others are shown by number.
 */
const DELIVERY_ERRORS: Record<string, string> = {
  '30003': 'the phone is unreachable or switched off',
  '30004': 'the text was blocked, by the recipient or their carrier',
  '30005': 'the number is unknown or no longer in service',
  '30006': 'the number is a landline or its carrier cannot take texts',
  '30007': 'the carrier filtered the text as spam',
  '30008': 'the carrier gave no reason',
  '30034': 'the sender number is not registered for US texting (A2P 10DLC)',
  '21408':
    'texts to this country are not enabled on the Twilio account (Messaging geo permissions)',
  '21610': 'the recipient has opted out of texts from this number (replied STOP)',
};

function deliveryErrorText(errorCode: string | undefined): string {
  if (!errorCode) return 'no reason given';
  return `Twilio error ${errorCode}${DELIVERY_ERRORS[errorCode] ? `: ${DELIVERY_ERRORS[errorCode]}` : ''}`;
}

export type DeliveryReport = {
  messageSid: string;
  delivery: Delivery;
  errorCode?: string;
  at: string;
};

/**
 * The recipient after Twilio's report on a text, or null when nothing changes. A report is about
 * the recipient's current text only (matched by its SID); a report that comes while the text is
 * still `sending` (Twilio answered the send, the SID is not recorded yet) names the text, and
 * escalateCall keeps it when it records the same SID.
 */
export function reportOnRecipient(
  recipient: EscalationRecipient,
  report: DeliveryReport,
): EscalationRecipient | null {
  const unrecordedSend = recipient.state === 'sending' && !recipient.sid;
  if (recipient.sid !== report.messageSid && !unrecordedSend) return null;
  const delivery = advanceDelivery(
    recipient.sid === report.messageSid ? recipient.delivery : undefined,
    report.delivery,
  );
  if (!delivery) return null;
  const next: EscalationRecipient = {
    ...recipient,
    sid: report.messageSid,
    delivery,
    delivery_at: report.at,
  };
  if (notDelivered(delivery)) next.delivery_error = deliveryErrorText(report.errorCode);
  else delete next.delivery_error;
  return next;
}

/** What a recipient's record says about one text it was sent. */
const TEXT_FIELDS = ['sid', 'delivery', 'delivery_error', 'delivery_at', 'voice_call'] as const;

/** The delivery fields a recipient keeps when its text is recorded, if they are about that text. */
export function deliveryOfText(
  recipient: EscalationRecipient | null,
  sid: string,
): Partial<EscalationRecipient> {
  const kept: Partial<EscalationRecipient> = {};
  if (!recipient || recipient.sid !== sid) return kept;
  for (const field of TEXT_FIELDS)
    if (field !== 'sid' && recipient[field] !== undefined)
      Object.assign(kept, { [field]: recipient[field] });
  return kept;
}

/** A recipient about to be texted again: what was known of its previous text no longer applies. */
export function withoutText(recipient: EscalationRecipient): EscalationRecipient {
  const rest = { ...recipient };
  for (const field of TEXT_FIELDS) delete rest[field];
  return rest;
}

/** A voice call claimed this long ago that was never recorded placed is placed again (its instance died). */
export const VOICE_CALL_LEASE_MS = 60_000;

/**
 * The recipient with a claim on its voice call, or null when it needs none: its text was
 * delivered or not yet known lost, or a call was placed, refused, or is being placed now.
 */
export function claimVoiceCall(
  recipient: EscalationRecipient,
  nowMs: number,
  nowIso: string,
): EscalationRecipient | null {
  if (!notDelivered(recipient.delivery)) return null;
  const call = recipient.voice_call;
  if (call && !(call.state === 'calling' && nowMs - Date.parse(call.at) >= VOICE_CALL_LEASE_MS))
    return null;
  return { ...recipient, voice_call: { state: 'calling', at: nowIso } };
}

/**
 * The caller as a voice says them: their registered name (and site), else their worker id in
 * words, else their number digit by digit (a voice reads "+15550100001" as one large number).
 */
export function spokenCaller(
  call: Pick<LiveCall, 'worker_id' | 'mobile_no'>,
  registered?: { name?: string; site?: string },
): string {
  const site = registered?.site ? ` at ${registered.site}` : '';
  if (registered?.name) return `${registered.name}${site}`;
  if (call.worker_id !== 'unknown') return `${call.worker_id.replace(/[_-]+/g, ' ')}${site}`;
  return `the number ${call.mobile_no.replace(/\D/g, '').split('').join(' ')}`;
}

/**
 * What the voice call to an on-call number says when its text did not arrive: the call's
 * urgency and caller, twice, so it is heard after a slow pick-up or on voicemail.
 */
export function announcementTwiml(urgency: LiveCall['urgency'], caller: string): string {
  const response = new VoiceResponse();
  response.say(
    { loop: 2 },
    speakable(
      `Aurora safety line. A ${urgency} call from ${caller} is waiting unacknowledged. Open the dashboard.`,
    ),
  );
  return response.toString();
}
