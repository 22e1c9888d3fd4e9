import {
  announcementTwiml,
  claimVoiceCall,
  deliveryOf,
  notDelivered,
  reportOnRecipient,
  spokenCaller,
} from '../core/delivery';
import { maskPhone } from '../core/masking';
import { EscalationRecipient, type LiveCall, paths, siteIso } from '@aurora/model';
import type { Deps } from '../ports';
import { callerOf, escalationStillNeeded } from '../steps/escalation';
import { adminUids, readCall } from '../steps/liveCalls';

/** One status callback of an escalation text, as Twilio posts it to the URL the text named. */
export type MessageStatusReport = {
  callId: string;
  /** The recipient's key under the call's escalation (the `to` of the callback URL). */
  recipientKey: string;
  messageSid: string;
  /** Twilio's MessageStatus: queued, sending, sent, delivered, undelivered, failed, … */
  messageStatus: string;
  errorCode?: string;
};

/** `unknown`: no such call (it may have been archived and purged) or recipient; nothing was written. */
export type MessageStatusOutcome = 'recorded' | 'unchanged' | 'unknown';

/**
 * Records what Twilio says of an escalation text on its recipient: the most advanced delivery
 * state only, for the recipient's current text only (core/delivery.ts), so late, repeated and
 * stray callbacks change nothing. A text that did not arrive (undelivered, failed) is tried
 * another way while the call still needs it: the fan-out alerts the admins (its
 * `escalation-undelivered` alert), and here, once per text, a web push goes to the admins and a
 * voice call to that on-call number.
 */
export async function recordMessageStatus(
  report: MessageStatusReport,
  deps: Deps,
): Promise<MessageStatusOutcome> {
  const delivery = deliveryOf(report.messageStatus);
  const path = `${paths.call(report.callId)}/escalation/recipients/${report.recipientKey}`;
  const at = siteIso(deps.clock(), deps.settings.timeZone);
  const result = await deps.live.transact(path, (current) => {
    if (current === null) return null; // the server's value decides; absent stays absent
    const recipient = EscalationRecipient.safeParse(current);
    if (!recipient.success || !delivery) return undefined;
    return (
      reportOnRecipient(recipient.data, {
        messageSid: report.messageSid,
        delivery,
        errorCode: report.errorCode,
        at,
      }) ?? undefined
    );
  });
  if (result.value === null) return 'unknown';
  const recipient = EscalationRecipient.safeParse(result.value);
  if (!recipient.success) return 'unchanged';
  if (result.committed) {
    const { delivery: now, delivery_error: error } = recipient.data;
    const line = {
      callId: report.callId,
      to: maskPhone(recipient.data.to),
      delivery: now,
      ...(error ? { error } : {}),
    };
    if (notDelivered(now)) deps.log.error('escalation text not delivered', line);
    else deps.log.info('escalation text delivery', line);
  }
  // Also on a repeated report: a run that died after recording "undelivered" left the rest to do.
  if (notDelivered(recipient.data.delivery)) await reachAnotherWay(deps, report.callId, path);
  return result.committed ? 'recorded' : 'unchanged';
}

/**
 * When a recipient's text will not arrive and the call still needs someone: pushes to the
 * admins' browsers and phones the recipient with the call's urgency and caller, recording the
 * voice call on the recipient. Claimed in a transaction first, so concurrent or repeated
 * reports place one call; a claim whose run died is taken over after its lease.
 */
async function reachAnotherWay(deps: Deps, callId: string, path: string): Promise<void> {
  const call = await readCall(deps.live, callId, deps.log);
  if (!call || !escalationStillNeeded(call)) return;
  const nowMs = deps.clock().getTime();
  const nowIso = siteIso(deps.clock(), deps.settings.timeZone);
  const claim = await deps.live.transact(path, (current) => {
    if (current === null) return null;
    const recipient = EscalationRecipient.safeParse(current);
    return (recipient.success && claimVoiceCall(recipient.data, nowMs, nowIso)) || undefined;
  });
  if (!claim.committed || claim.value === null) return;
  const recipient = EscalationRecipient.parse(claim.value);

  const [, voiceCall] = await Promise.all([
    pushAdmins(deps, callId, call, recipient),
    phone(deps, callId, call, recipient.to),
  ]);
  await deps.live.transact(path, (current) =>
    current === null
      ? null
      : {
          ...(current as object),
          voice_call: { ...voiceCall, at: siteIso(deps.clock(), deps.settings.timeZone) },
        },
  );
}

async function pushAdmins(
  deps: Deps,
  callId: string,
  call: LiveCall,
  recipient: EscalationRecipient,
): Promise<void> {
  const message = {
    title: 'Escalation text not delivered',
    body: `The text to ${recipient.to} about ${callerOf(call)} did not arrive (${recipient.delivery_error ?? 'no reason given'}). Aurora is phoning that number.`,
    link: deps.settings.escalation.dashboardUrl,
  };
  await deps.push.notify(await adminUids(deps.live), message).catch((err: unknown) => {
    deps.log.error('undelivered-text web push failed', { callId, error: String(err) });
  });
}

/** Phones an on-call number to say the call's urgency and caller; resolves what became of the call. */
async function phone(
  deps: Deps,
  callId: string,
  call: LiveCall,
  to: string,
): Promise<{ state: 'placed'; sid: string } | { state: 'failed'; error: string }> {
  // Said by name and site where the registry knows the caller (its read has a short deadline).
  const registered = await deps.workers.findByPhone(call.mobile_no).catch(() => null);
  try {
    const { sid } = await deps.voice.announce(
      to,
      announcementTwiml(call.urgency, spokenCaller(call, registered ?? undefined)),
    );
    deps.log.warn('phoned an on-call number whose escalation text did not arrive', {
      callId,
      to: maskPhone(to),
      sid,
    });
    return { state: 'placed', sid };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    deps.log.error('could not phone an on-call number whose escalation text did not arrive', {
      callId,
      to: maskPhone(to),
      error,
    });
    return { state: 'failed', error: error.slice(0, 300) };
  }
}
