import type { CallAction, LiveCall } from '../model/schema';

/** The signed-in admin, named as the archive's admin_id will name them. */
export type Admin = { id: string };

export type Refusal = { code: 'not-found' | 'failed-precondition'; message: string };

/** Who holds the call now: an admin who took it and has not handed it back. */
export const holderOf = (call: LiveCall): string | null => (call.mode === 'human' && call.admin_id ? call.admin_id : null);

/**
 * Whether `admin` may do `action` to `call` now, or why not. One admin at a time: only the
 * holder speaks, bridges or hands back; nobody takes or ends a call another admin holds.
 */
export function refusal(call: LiveCall | null, action: CallAction['action'], admin: Admin): Refusal | null {
  if (!call || call.purging) return { code: 'not-found', message: 'This call is no longer live.' };
  if (call.status !== 'ACTIVE') return { code: 'failed-precondition', message: 'This call has ended.' };
  const holder = holderOf(call);
  if (action === 'ack') return null; // anyone may say they have seen it; the first one is recorded
  if (holder && holder !== admin.id) return { code: 'failed-precondition', message: `${holder} has taken this call.` };
  if (!holder && (action === 'say' || action === 'release' || action === 'bridge')) {
    return { code: 'failed-precondition', message: 'Take the call first.' };
  }
  return null;
}

/**
 * The call node's fields after `admin` takes it (a handoff request is answered) or hands it
 * back; null deletes. On hand-back admin_id stays: the archive records who last took the call.
 */
export const takeFields = (admin: Admin) => ({ mode: 'human', admin_id: admin.id, handoff_requested: null }) as const;

/** Acknowledging, or taking, a call stops its escalation; the first admin to do either is recorded. */
export const ackFields = (call: LiveCall, admin: Admin, nowIso: string) =>
  call.acknowledged_by ? {} : { acknowledged_by: admin.id, acknowledged_at: nowIso };
export const releaseFields = () => ({ mode: 'ai' }) as const;

/** The system lines the transcript records for each action (what the caller heard is recorded as spoken). */
export const CONTROL_NOTES = {
  take: (admin: Admin) => `${admin.id} took over the call.`,
  release: (admin: Admin) => `${admin.id} handed the call back to Aurora.`,
  bridge: (admin: Admin, to: string) => `${admin.id} bridged the caller to ${to}.`,
  end: (admin: Admin) => `${admin.id} ended the call.`,
};
