import { keySafe } from '../core/alerts';
import { confirmed, fallsOf } from '../core/callUrgency';
import { AuroraError, NotConfigured } from '../core/errors';
import { maskPhone } from '../core/masking';
import { deliveryOfText, messageStatusUrl, withoutText } from '../core/delivery';
import { escalationTextDecision } from '../core/limits';
import {
  type Escalation,
  EscalationRecipient,
  awaitsAcknowledgement,
  type LiveCall,
  paths,
  siteIso,
} from '@aurora/model';
import type { Deps, EscalationTask } from '../ports';
import { callerOf, escalationStillNeeded } from '../steps/escalation';
import { adminUids, changeCall, countUse, readCall, usedThisHour } from '../steps/liveCalls';

export type EscalationOutcome = 'not-needed' | 'escalated' | 'not-configured';

/** The escalation queue's retries (index.ts): Cloud Tasks gives up after this many attempts. */
export const ESCALATION_MAX_ATTEMPTS = 30;

/** A recipient claimed this long ago whose send never finished is sent again (its instance died). */
export const SENDING_LEASE_MS = 60_000;

/**
 * A call escalates while it is unacknowledged at its urgency and not yet escalated, whether it is
 * live, held or already ended: a caller who went quiet or whose line dropped may be the one who
 * most needs help (an ended CRITICAL call stays live until acknowledged: archival.ts). Only while
 * it is still CRITICAL: a call the caller's answer lowered ("it's the drill") texts nobody.
 */
const awaitsEscalation = (call: LiveCall) =>
  !call.purging && awaitsAcknowledgement(call) && !call.escalated_at;

/**
 * The escalation timer of a CRITICAL call. When it is due and nobody has the call in hand, it
 * marks the call escalated (once, in a transaction), pushes to the admins' browsers, and texts
 * each on-call number, recording each recipient's outcome on the call: Twilio's message SID
 * when Twilio accepted it, its reason when not. The queue retries until every recipient has
 * been texted (at least once each: a retry texts only those without a SID), the call is
 * acknowledged, or the retries run out, which admins see as a failed escalation. A missing
 * configuration (no on-call numbers, no sender, no Twilio account) is shown at once: no retry
 * can cure it. A task that runs early (the tasks emulator ignores schedule delays) fails
 * retryably until it is due. Accepted is not delivered: each text names a status callback where
 * Twilio reports its delivery (messageStatus.ts), and a text that does not arrive is tried
 * another way.
 */
export async function escalateCall(
  task: EscalationTask,
  deps: Deps,
  attempt = { retryCount: 0 },
): Promise<EscalationOutcome> {
  const call = await readCall(deps.live, task.callId, deps.log);
  if (!call) return 'not-needed';
  if (!call.escalated_at) {
    if (!awaitsEscalation(call)) return 'not-needed';
    // The call fell and rose again since this timer was set: the new rise has its own timer,
    // due a whole delay after it (its caller must have the time to answer Aurora's question).
    // A timer that does not say its rise (set before rises were counted) escalates: the safe side.
    if (task.rise !== undefined && task.rise < fallsOf(call)) return 'not-needed';
    const waitMs = Date.parse(task.dueAt) - deps.clock().getTime();
    if (waitMs > 0)
      throw new AuroraError(`escalation not due for ${Math.ceil(waitMs / 1000)} s`, {
        retryable: true,
      });
    if (!(await begin(deps, task.callId))) return 'not-needed';
  } else if (!escalationStillNeeded(call)) {
    return 'not-needed';
  }

  const escalation = (await readCall(deps.live, task.callId, deps.log))?.escalation;
  if (escalation?.failed) return 'not-configured';
  const unsent = Object.entries(escalation?.recipients ?? {}).filter(
    ([, r]) => r.state !== 'sent' && r.state !== 'held',
  );
  if (unsent.length === 0) return 'not-needed'; // every recipient has it: a redelivered task texts nobody again
  const results = await Promise.all(
    unsent.map(([key, recipient]) => textOne(deps, task.callId, call, key, recipient)),
  );
  const notConfigured = results.find((r): r is NotConfigured => r instanceof NotConfigured);
  if (notConfigured) {
    await fail(deps, task.callId, notConfigured.message);
    return 'not-configured';
  }
  const failed = results.filter((r) => r instanceof Error).length;
  if (failed === 0) {
    deps.log.warn('call escalated', {
      callId: task.callId,
      texted: Object.keys(escalation?.recipients ?? {}).length,
    });
    return 'escalated';
  }
  if (attempt.retryCount + 1 >= ESCALATION_MAX_ATTEMPTS) {
    await fail(
      deps,
      task.callId,
      `Escalation texts failed for ${failed} on-call number(s) after ${ESCALATION_MAX_ATTEMPTS} attempts.`,
    );
    return 'escalated';
  }
  throw new AuroraError(`${failed} escalation text(s) not accepted yet`, { retryable: true });
}

/**
 * Marks the call escalated with one pending entry per on-call number (or, with none
 * configured, a failure admins see), then pushes to the admins' browsers. False if another run
 * got there first or the call no longer needs it.
 */
async function begin(deps: Deps, callId: string): Promise<boolean> {
  const nowIso = siteIso(deps.clock(), deps.settings.timeZone);
  const { onCallNumbers, dashboardUrl } = deps.settings.escalation;
  const recipients = Object.fromEntries(
    onCallNumbers.map((to) => [
      keySafe(to),
      { to, state: 'pending', attempts: 0 } satisfies EscalationRecipient,
    ]),
  );
  const escalation: Escalation =
    onCallNumbers.length > 0
      ? { recipients }
      : {
          recipients: {},
          failed: 'No on-call numbers are configured (ON_CALL_NUMBERS): nobody was texted.',
        };
  // Still CRITICAL at the escalation delay and nobody lowered it: a provisional urgency is confirmed
  // (the caller has not answered Aurora's question for longer than the window).
  const claimed = await changeCall(deps.live, callId, (current) =>
    awaitsEscalation(current)
      ? { escalated_at: nowIso, escalation, ...confirmed(current) }
      : undefined,
  );
  if (!claimed) return false;
  if (escalation.failed)
    deps.log.error('escalation cannot text anyone', { callId, reason: escalation.failed });

  const caller = callerOf(claimed);
  const admins = await adminUids(deps.live);
  const pushed = await deps.push
    .notify(admins, {
      title: 'CRITICAL call not acknowledged',
      body: `${caller} needs a supervisor now.`,
      link: dashboardUrl,
    })
    .catch((err: unknown) => {
      deps.log.error('escalation web push failed', { callId, error: String(err) });
      return 0;
    });
  await mergeIntoEscalation(deps, callId, { pushed }).catch(() => {});
  return true;
}

/**
 * Texts one recipient unless another run holds a fresh claim on it or it has been sent, and
 * records the outcome. Resolves the error when Twilio did not accept it. Only an accepted text
 * counts against the number's hourly cap, and the first about this call goes whatever the count
 * (escalationTextDecision). Twilio reports the text's delivery to its status callback.
 */
async function textOne(
  deps: Deps,
  callId: string,
  call: LiveCall,
  key: string,
  recipient: EscalationRecipient,
): Promise<Error | null> {
  const path = `${paths.call(callId)}/escalation/recipients/${key}`;
  const nowMs = deps.clock().getTime();
  const nowIso = siteIso(deps.clock(), deps.settings.timeZone);
  let leased = false;
  // A SID on the claimed record is a text Twilio accepted for a run that died before recording it.
  let acceptedAboutCall = 0;
  const claim = await deps.live.transact(path, (current) => {
    if (current === null) return null; // the server's value decides
    const parsed = EscalationRecipient.safeParse(current);
    if (!parsed.success || parsed.data.state === 'sent') return undefined;
    const fresh =
      parsed.data.state === 'sending' &&
      nowMs - Date.parse(parsed.data.at ?? '') < SENDING_LEASE_MS;
    leased = fresh;
    acceptedAboutCall = parsed.data.sid ? 1 : 0;
    return fresh
      ? undefined
      : {
          ...withoutText(parsed.data),
          state: 'sending',
          at: nowIso,
          attempts: parsed.data.attempts + 1,
        };
  });
  // Another run holds a fresh claim: it may have died mid-send, so this run is not done until
  // that text is known to be sent (the task retries, and takes the claim over once it is stale).
  if (!claim.committed && leased)
    return new AuroraError(`the text to ${maskPhone(recipient.to)} is being sent by another run`, {
      retryable: true,
    });
  if (!claim.committed || claim.value === null) return null;

  const { afterSeconds, dashboardUrl } = deps.settings.escalation;
  const attempts = (claim.value as EscalationRecipient).attempts;
  const counter = `t${recipient.to.replace(/\D/g, '')}`;
  const decision = escalationTextDecision(
    { acceptedAboutCall, acceptedThisHour: await usedThisHour(deps.live, counter, deps.clock()) },
    deps.settings.limits,
  );
  if (decision === 'hold') {
    await setIfLive(deps, path, {
      to: recipient.to,
      state: 'held',
      error: 'hourly text cap reached: see the dashboard',
      at: nowIso,
      attempts,
    });
    return null;
  }
  const body =
    decision === 'summary'
      ? `Aurora: more CRITICAL calls are waiting unacknowledged. Texts to this number are paused for the hour; open ${dashboardUrl}`
      : `Aurora CRITICAL call from ${callerOf(call)}, not acknowledged after ${afterSeconds} s. Open ${dashboardUrl}`;
  let sid: string;
  try {
    ({ sid } = await deps.sms.send(
      recipient.to,
      body,
      messageStatusUrl(deps.settings.publicBaseUrl, callId, key),
    ));
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    deps.log.error('escalation text not accepted', {
      callId,
      to: maskPhone(recipient.to),
      error: error.message,
    });
    await setIfLive(deps, path, {
      to: recipient.to,
      state: 'failed',
      error: error.message.slice(0, 300),
      at: siteIso(deps.clock(), deps.settings.timeZone),
      attempts,
    }).catch(() => {});
    return error;
  }
  // Counted once Twilio accepted it; a counter that cannot be written must not send it twice.
  await countUse(deps.live, counter, deps.clock()).catch((err: unknown) =>
    deps.log.error('escalation text not counted', { callId, error: String(err) }),
  );
  const state =
    decision === 'summary'
      ? { state: 'held', error: 'hourly text cap reached: a summary text was sent' }
      : { state: 'sent' };
  const at = siteIso(deps.clock(), deps.settings.timeZone);
  // A delivery report may have come before this write (Twilio is fast): it is kept if it is about this text.
  try {
    await deps.live.transact(path, (current) => {
      if (current === null) return null;
      const stored = EscalationRecipient.safeParse(current);
      return {
        ...deliveryOfText(stored.success ? stored.data : null, sid),
        to: recipient.to,
        ...state,
        sid,
        at,
        attempts,
      };
    });
    return null;
  } catch (err) {
    // The claim stays `sending`: after its lease a retry texts again (at least once), as after a crash.
    deps.log.error('escalation text accepted but not recorded', {
      callId,
      to: maskPhone(recipient.to),
      error: String(err),
    });
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** Records that the escalation cannot reach anyone more: the fan-out alerts every admin. */
async function fail(deps: Deps, callId: string, reason: string): Promise<void> {
  deps.log.error('escalation failed', { callId, reason });
  await mergeIntoEscalation(deps, callId, { failed: reason });
}

/** Adds fields to the call's escalation record, if the call (and so the record) is still there. */
async function mergeIntoEscalation(
  deps: Deps,
  callId: string,
  fields: Partial<Escalation>,
): Promise<void> {
  await deps.live.transact(`${paths.call(callId)}/escalation`, (current) =>
    current === null ? null : { ...(current as object), ...fields },
  );
}

/**
 * Writes under a call's escalation only while it is there: a plain write after the purge would
 * leave a fragment of a call behind.
 */
async function setIfLive(deps: Deps, path: string, value: unknown): Promise<void> {
  await deps.live.transact(path, (current) => (current === null ? null : value));
}
