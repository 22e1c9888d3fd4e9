import { type CallAction, isAcknowledged, type LiveCall } from '@aurora/model';

/**
 * The signed-in admin, named as the archive's admin_id will name them; `uid` finds their entry
 * in the admin directory (admins/{uid}: their registered phone, for "Call me").
 */
export type Admin = { id: string; uid?: string };

export type Refusal = {
  code: 'not-found' | 'failed-precondition' | 'permission-denied' | 'unavailable';
  message: string;
};

/** Who holds the call now: an admin who took it and has not handed it back. */
export const holderOf = (call: Pick<LiveCall, 'mode' | 'admin_id'>): string | null =>
  call.mode === 'human' && call.admin_id ? call.admin_id : null;

/**
 * Whether `admin` may do `action` to `call` now, or why not. One admin at a time: only the
 * holder speaks, bridges, transfers or hands back; nobody takes, rings their phone into, or
 * ends a call another admin holds ("Call me" on a call nobody holds rings without taking it: the
 * phone's join takes it, calls/voiceLegs.ts). Listening in
 * needs no holding (it is not an action here: the browser's leg asks, triggers/webhooks.ts), and
 * any admin may mute or leave their own legs of the call's conference.
 */
export function refusal(
  call: LiveCall | null,
  action: CallAction['action'],
  admin: Admin,
): Refusal | null {
  if (!call || call.purging) return { code: 'not-found', message: 'This call is no longer live.' };
  // Anyone may say they have seen it, or judge its urgency, live or ended (an ended CRITICAL call waits live for it).
  if (action === 'ack' || action === 'urgency') return null;
  if (call.status !== 'ACTIVE')
    return { code: 'failed-precondition', message: 'This call has ended.' };
  if (action === 'mute' || action === 'leave') return null;
  const holder = holderOf(call);
  if (holder && holder !== admin.id)
    return { code: 'failed-precondition', message: `${holder} has taken this call.` };
  if (
    !holder &&
    (action === 'say' || action === 'release' || action === 'bridge' || action === 'transfer')
  ) {
    return { code: 'failed-precondition', message: 'Take the call first.' };
  }
  // A bridge is a call update: it would take the caller out of the conference, which ends when
  // they leave it (every human voice dropped mid-sentence). Typed words are spoken into it instead.
  if (action === 'bridge' && call.conference?.caller_in)
    return {
      code: 'failed-precondition',
      message:
        'The caller is in the voice conference: a bridge would take them out of it. Transfer the call instead, or hand back first.',
    };
  return null;
}

/**
 * An allow-list entry that would let every number through (`*`, `+*`): never honoured, whatever
 * preflight said, since one such entry turns the line into a free phone to anywhere.
 */
export const matchesEveryNumber = (entry: string) =>
  entry.endsWith('*') && /^\+?$/.test(entry.slice(0, -1));

/**
 * Why the caller may not be bridged to `to`, or null if they may: only the on-call numbers and
 * the numbers (or prefixes ending in *) the team configured, so the line cannot be used to
 * place paid calls anywhere (toll fraud). A catch-all entry is ignored, and the refusal says so.
 */
export function bridgeRefusal(to: string, allowed: string[], onCall: string[]): Refusal | null {
  const entries = [...onCall, ...allowed];
  const ok = entries.some(
    (entry) =>
      !matchesEveryNumber(entry) &&
      (entry.endsWith('*') ? to.startsWith(entry.slice(0, -1)) : to === entry),
  );
  if (ok) return null;
  const catchAll = entries.filter(matchesEveryNumber);
  const ignored = catchAll.length
    ? ` BRIDGE_NUMBERS entries that match every number (${catchAll.join(', ')}) are ignored.`
    : '';
  return {
    code: 'permission-denied',
    message: `${to} is not a number supervisors may bridge to. Allowed: the on-call numbers and BRIDGE_NUMBERS.${ignored}`,
  };
}

/**
 * The call node's fields after `admin` takes it (a handoff request is answered) or hands it
 * back; null deletes. On hand-back admin_id stays: the archive records who last took the call.
 */
/**
 * Taking the call also closes Aurora's key question: the caller now answers the supervisor. And
 * Aurora's replies waiting to be announced into the conference are withdrawn (their words
 * removed, their keys kept, so /twilio/announce records each as not spoken): Aurora never speaks
 * while a human holds the call.
 */
export const takeFields = (admin: Admin, call: Pick<LiveCall, 'conference'>) => ({
  mode: 'human' as const,
  admin_id: admin.id,
  handoff_requested: null,
  question: null,
  ...auroraWordsWithdrawn(call),
});

/** The call's conference without the words of Aurora's pending announcements; nothing when none wait. */
export function auroraWordsWithdrawn(call: Pick<LiveCall, 'conference'>): {
  conference?: NonNullable<LiveCall['conference']>;
} {
  const { conference } = call;
  const aurora = Object.keys(conference?.aurora_announcements ?? {});
  const words = conference?.announcements ?? {};
  if (!conference || !aurora.some((key) => key in words)) return {};
  const kept = Object.fromEntries(Object.entries(words).filter(([key]) => !aurora.includes(key)));
  return { conference: { ...conference, announcements: kept } };
}

/**
 * Acknowledging, or taking, a call stops its escalation at the urgency it has now. An
 * acknowledgement that already covers that urgency is kept (the first admin to see it is
 * recorded); one given at a lower urgency is replaced.
 */
export const ackFields = (call: LiveCall, admin: Admin, nowIso: string) =>
  call.acknowledged_by && isAcknowledged(call)
    ? {}
    : { acknowledged_by: admin.id, acknowledged_at: nowIso, acknowledged_urgency: call.urgency };
export const releaseFields = () => ({ mode: 'ai', quiet_since: null }) as const;

/** The fields a take or a hand-back changes, which undoing one puts back as they were. */
export const HOLDER_FIELDS = [
  'mode',
  'admin_id',
  'handoff_requested',
  'acknowledged_by',
  'acknowledged_at',
  'acknowledged_urgency',
] as const;

/** The system lines the transcript records for each action (what the caller heard is recorded as spoken). */
export const CONTROL_NOTES = {
  take: (admin: Admin) => `${admin.id} took over the call.`,
  release: (admin: Admin) => `${admin.id} handed the call back to Aurora.`,
  bridge: (admin: Admin, to: string) => `${admin.id} bridged the caller to ${to}.`,
  end: (admin: Admin) => `${admin.id} ended the call.`,
  urgency: (admin: Admin, from: string, to: string, reason: string) =>
    `${admin.id} set the urgency from ${from} to ${to}: ${reason}`,
};
