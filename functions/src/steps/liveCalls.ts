import { LiveCall, type LiveConversation, paths, salvageConversation } from '@aurora/model';
import { callIdOf } from '../core/ids';
import { hourKey } from '../core/limits';
import type { Log } from '../core/log';
import type { LiveDb } from '../ports';

/**
 * The live call behind a Twilio CallSid, or null when there is none (or it is unreadable).
 * With a `hint` (the call id from a signed action URL) it costs one read instead of two; a hint
 * naming another CallSid's call is ignored.
 */
export async function findCallBySid(
  live: LiveDb,
  callSid: string,
  log: Log,
  hint?: string,
): Promise<{ callId: string; call: LiveCall } | null> {
  if (hint) {
    const call = await readCall(live, hint, log);
    if (call?.call_sid === callSid) return { callId: hint, call };
  }
  const callId = await live.get(paths.callSid(callSid));
  if (typeof callId !== 'string') return null;
  const call = await readCall(live, callId, log);
  return call ? { callId, call } : null;
}

/**
 * Writes `value` at `path` only if nothing is there; true if it wrote, or if what is there is
 * `ours` (a retry of a write that committed although its answer was lost).
 */
export async function createIfAbsent(
  live: LiveDb,
  path: string,
  value: unknown,
  ours: (stored: unknown) => boolean = () => false,
): Promise<boolean> {
  const { committed, value: stored } = await live.transact(path, (current) =>
    current === null ? value : undefined,
  );
  return committed || ours(stored);
}

export async function readCall(live: LiveDb, callId: string, log: Log): Promise<LiveCall | null> {
  const raw = await live.get(paths.call(callId));
  if (raw === null || raw === undefined) return null;
  const parsed = LiveCall.safeParse(raw);
  if (!parsed.success) {
    log.error('live call does not match the schema', {
      callId,
      issues: parsed.error.issues.slice(0, 5),
    });
    return null;
  }
  return parsed.data;
}

/** A call's live conversation, salvaged if a half-failed write left it malformed (see salvageConversation). */
export async function readConversation(
  live: LiveDb,
  conversationId: string,
  log?: Log,
): Promise<LiveConversation | null> {
  const raw = await live.get(paths.conversation(conversationId));
  if (!raw) return null;
  const { conversation, repaired } = salvageConversation(raw, callIdOf(conversationId));
  if (repaired > 0)
    log?.error('live conversation was malformed: archived what is there', {
      conversationId,
      repaired,
    });
  return conversation;
}

/**
 * Changes a live call in one transaction, if `change` says so: it gets the call as stored and
 * returns the fields to set (null deletes) or undefined to leave the call alone. Resolves to the
 * call as changed, or null if it is gone, unreadable or was left alone.
 */
export async function changeCall(
  live: LiveDb,
  callId: string,
  change: (call: LiveCall) => Record<string, unknown> | undefined,
): Promise<LiveCall | null> {
  let changed: LiveCall | null = null;
  const result = await live.transact(paths.call(callId), (current) => {
    changed = null;
    if (current === null) return null; // the server's value decides
    const parsed = LiveCall.safeParse(current);
    const fields = parsed.success ? change(parsed.data) : undefined;
    if (!fields) return undefined;
    const next: Record<string, unknown> = { ...(current as object), ...fields };
    for (const [key, value] of Object.entries(next)) if (value === null) delete next[key];
    changed = LiveCall.parse(next);
    return next;
  });
  return result.committed ? changed : null;
}

/** Counts one use of `key` in the hour `at` falls in; resolves the count so far this hour, this one included. */
export async function countUse(live: LiveDb, key: string, at: Date): Promise<number> {
  const { value } = await live.transact(
    paths.usageCounter(key, hourKey(at)),
    (current) => (typeof current === 'number' ? current : 0) + 1,
  );
  return typeof value === 'number' ? value : 1;
}

/** The uses of `key` counted so far in the hour `at` falls in. */
export async function usedThisHour(live: LiveDb, key: string, at: Date): Promise<number> {
  const value = await live.get(paths.usageCounter(key, hourKey(at)));
  return typeof value === 'number' ? value : 0;
}

/** The uids of the admins alerts go to (admins/, kept by the admin claim script). */
export async function adminUids(live: LiveDb): Promise<string[]> {
  return Object.keys(((await live.get(paths.admins)) as Record<string, unknown> | null) ?? {});
}
