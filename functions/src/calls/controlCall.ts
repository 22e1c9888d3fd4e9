import { taskIds } from '@aurora/model/tasks';
import {
  CONTROL_NOTES,
  ackFields,
  bridgeRefusal,
  matchesEveryNumber,
  refusal,
  releaseFields,
  takeFields,
  type Admin,
  type Refusal,
} from '../core/callControl';
import { AuroraError } from '../core/errors';
import { bySupervisor } from '../core/callUrgency';
import { type CallAction, type Language, type LiveCall, type Role, siteIso } from '@aurora/model';
import {
  BRIDGE_RING_SECONDS,
  SUPERVISOR_LINES_IN,
  bridgeUrls,
  speakAndDial,
  speakable,
  voiceFor,
} from '../core/twiml';
import type { Deps } from '../ports';
import { enqueueArchive } from '../steps/archiving';
import { endCallNow } from '../steps/ending';
import { languageOrSite, noteOnCall, speakThenListen } from '../steps/listening';
import { changeCall, readCall } from '../steps/liveCalls';
import { retrying } from '../core/retry';

export type ControlResult = { ok: true; reached: boolean } | ({ ok: false } & Refusal);

const GONE_FROM_LIVE: Refusal = { code: 'not-found', message: 'This call is no longer live.' };

const GONE: Refusal = {
  code: 'failed-precondition',
  message: 'The caller is no longer connected.',
};

/** Twilio refused or could not be reached: the admin reads why, and that the call is as it was. */
const notDone = (err: unknown): Refusal => {
  if (!(err instanceof AuroraError)) throw err;
  return {
    code: err.retryable ? 'unavailable' : 'failed-precondition',
    message: `${err.message}. Nothing changed on the call.`,
  };
};

/**
 * An admin's action on a live call. Taking and handing back change the call in a transaction,
 * so two admins cannot hold one call; what the caller hears goes through Twilio first, and
 * only what was spoken is recorded. When Twilio refuses, the call is left as it was and the
 * admin is told why. `reached` is false when Twilio no longer had the call.
 */
export async function controlCall(
  action: CallAction,
  admin: Admin,
  deps: Deps,
): Promise<ControlResult> {
  switch (action.action) {
    case 'ack': {
      const changed = await changeHolder(deps, action.callId, 'ack', admin);
      if (!changed.ok) return changed;
      // An ended call was kept live until someone acknowledged it: it can now be archived and purged.
      if (changed.call.status === 'ENDED') {
        await enqueueArchive(
          deps,
          action.callId,
          taskIds.acknowledged(
            action.callId,
            changed.call.acknowledged_at ?? siteIso(deps.clock(), deps.settings.timeZone),
          ),
        );
      }
      return { ok: true, reached: changed.call.status === 'ACTIVE' };
    }
    case 'urgency': {
      // The supervisor has judged the call: it is acknowledged at the urgency they set.
      const nowIso = siteIso(deps.clock(), deps.settings.timeZone);
      let refused: Refusal | null = null;
      let from: LiveCall['urgency'] | null = null;
      const changed = await changeCall(deps.live, action.callId, (current) => {
        refused = refusal(current, 'urgency', admin);
        if (refused) return undefined;
        from = current.urgency;
        const fields = bySupervisor(current, action.urgency, action.reason, admin.id, nowIso);
        // Acknowledged at exactly this level: a later rise above it is a new alarm.
        return {
          ...fields,
          acknowledged_by: admin.id,
          acknowledged_at: nowIso,
          acknowledged_urgency: action.urgency,
        };
      });
      if (!changed) return { ok: false, ...((refused as Refusal | null) ?? GONE_FROM_LIVE) };
      if (from !== action.urgency)
        await noteOnCall(deps, changed, [
          ['system', CONTROL_NOTES.urgency(admin, from!, action.urgency, action.reason)],
        ]);
      if (changed.status === 'ENDED')
        await enqueueArchive(
          deps,
          action.callId,
          taskIds.acknowledged(action.callId, changed.acknowledged_at ?? nowIso),
        );
      return { ok: true, reached: changed.status === 'ACTIVE' };
    }
    case 'take':
    case 'release': {
      const changed = await changeHolder(deps, action.callId, action.action, admin);
      if (!changed.ok) return changed;
      const lines = SUPERVISOR_LINES_IN[callerLanguage(deps, changed.call)];
      const line = action.action === 'take' ? lines.supervisorJoined : lines.aiBack;
      let outcome: 'done' | 'gone';
      try {
        outcome = await deps.voice.redirect(
          changed.call.call_sid,
          speakThenListen(deps, action.callId, changed.call.language, line),
        );
      } catch (err) {
        const refused = notDone(err);
        await undo(deps, action.callId, changed.before, admin);
        deps.log.error('call control refused by Twilio; change undone', {
          action: action.action,
          callId: action.callId,
          error: refused.message,
        });
        return { ok: false, ...refused };
      }
      await noteOnCall(deps, changed.call, [['system', CONTROL_NOTES[action.action](admin)]]);
      return { ok: true, reached: outcome === 'done' };
    }
    case 'say': {
      const call = await callFor(deps, action.callId, 'say', admin);
      if ('code' in call) return { ok: false, ...call };
      const text = speakable(action.text);
      return speak(deps, call, speakThenListen(deps, action.callId, call.language, text), [
        ['admin', text],
      ]);
    }
    case 'bridge': {
      const call = await callFor(deps, action.callId, 'bridge', admin);
      if ('code' in call) return { ok: false, ...call };
      const { bridge, escalation, publicBaseUrl } = deps.settings;
      const refused = bridgeRefusal(action.to, bridge.allowed, escalation.onCallNumbers);
      if (refused) {
        deps.log.warn('bridge refused: not an allowed number', {
          callId: action.callId,
          to: action.to,
          catchAllIgnored: [...bridge.allowed, ...escalation.onCallNumbers].some(
            matchesEveryNumber,
          ),
        });
        return { ok: false, ...refused };
      }
      const language = callerLanguage(deps, call);
      const voice = voiceFor({ language, speech: deps.settings.speech });
      // The called person must press 1 before being connected, and however the leg ends the
      // <Dial action> brings the caller back (calls/dialResult.ts): never a dead line, never voicemail.
      const dial = {
        number: action.to,
        timeLimitSeconds: bridge.timeLimitSeconds,
        ringSeconds: BRIDGE_RING_SECONDS,
        ...bridgeUrls(publicBaseUrl, action.callId, action.to),
      };
      return speak(
        deps,
        call,
        speakAndDial(SUPERVISOR_LINES_IN[language].connecting, dial, voice),
        [['system', CONTROL_NOTES.bridge(admin, action.to)]],
      );
    }
    case 'end': {
      const call = await callFor(deps, action.callId, 'end', admin);
      if ('code' in call) return { ok: false, ...call };
      // Noted first: Twilio's status callback may archive the call before this function goes on.
      await noteOnCall(deps, call, [['system', CONTROL_NOTES.end(admin)]]);
      // A supervisor who ends the call has it in hand: an unacknowledged CRITICAL call would otherwise stay live, alarming.
      const nowIso = siteIso(deps.clock(), deps.settings.timeZone);
      await changeCall(deps.live, action.callId, (current) =>
        ackFields(current, admin, nowIso),
      ).catch((err: unknown) =>
        deps.log.error('could not record the acknowledgement of an ended call', {
          callId: action.callId,
          error: String(err),
        }),
      );
      let outcome: 'done' | 'gone';
      try {
        outcome = await deps.voice.hangUp(call.call_sid);
      } catch (err) {
        const refused = notDone(err);
        await noteOnCall(deps, call, [['system', `Ending the call failed: ${refused.message}`]]);
        return { ok: false, ...refused };
      }
      // Twilio's status callback ends and archives a call it hangs up; one it no longer has
      // sends none, so the call is ended and archived here.
      if (outcome === 'gone') {
        await endCallNow(deps, action.callId, call, 'ended-by-admin');
        await enqueueArchive(deps, action.callId, taskIds.archive(action.callId));
      }
      return { ok: true, reached: outcome === 'done' };
    }
  }
}

/** Sends `twiml` to the call; records `lines` only once Twilio has taken it. */
async function speak(
  deps: Deps,
  call: LiveCall,
  twiml: string,
  lines: Array<[Role, string]>,
): Promise<ControlResult> {
  let outcome: 'done' | 'gone';
  try {
    outcome = await deps.voice.redirect(call.call_sid, twiml);
  } catch (err) {
    return { ok: false, ...notDone(err) };
  }
  if (outcome === 'gone') return { ok: false, ...GONE };
  await noteOnCall(deps, call, lines);
  return { ok: true, reached: true };
}

async function callFor(
  deps: Deps,
  callId: string,
  action: CallAction['action'],
  admin: Admin,
): Promise<LiveCall | Refusal> {
  const call = await readCall(deps.live, callId, deps.log);
  return refusal(call, action, admin) ?? call!;
}

const HOLDER_FIELDS = [
  'mode',
  'admin_id',
  'handoff_requested',
  'acknowledged_by',
  'acknowledged_at',
  'acknowledged_urgency',
] as const;

/**
 * Takes, hands back or acknowledges the call in one transaction on its node; refuses as
 * `refusal` says. Resolves the call as changed and as it was before.
 */
async function changeHolder(
  deps: Deps,
  callId: string,
  action: 'take' | 'release' | 'ack',
  admin: Admin,
): Promise<{ ok: true; call: LiveCall; before: LiveCall } | ({ ok: false } & Refusal)> {
  const nowIso = siteIso(deps.clock(), deps.settings.timeZone);
  let refused: Refusal | null = null;
  let before: LiveCall | null = null;
  const call = await changeCall(deps.live, callId, (current) => {
    before = current;
    refused = refusal(current, action, admin);
    if (refused) return undefined;
    // Handing back says the admin has seen the call as it is now: it counts as acknowledging it.
    if (action === 'release') return { ...releaseFields(), ...ackFields(current, admin, nowIso) };
    return action === 'take'
      ? { ...takeFields(admin), ...ackFields(current, admin, nowIso) }
      : ackFields(current, admin, nowIso);
  });
  if (call) return { ok: true, call, before: before! };
  return {
    ok: false,
    ...((refused as Refusal | null) ?? {
      code: 'not-found',
      message: 'This call is no longer live.',
    }),
  };
}

/**
 * Puts the holder fields back as they were before a take or hand-back Twilio refused, unless
 * the call has changed hands since (another admin's later action wins).
 */
async function undo(deps: Deps, callId: string, before: LiveCall, admin: Admin): Promise<void> {
  const restore = Object.fromEntries(HOLDER_FIELDS.map((field) => [field, before[field] ?? null]));
  // Tried again for a few seconds when the database refuses: a take left in place after Twilio
  // refused it would keep Aurora silent on a call nobody holds, while the supervisor was told nothing changed.
  const putBack = () =>
    changeCall(deps.live, callId, (current) => {
      const stillOurs =
        current.mode === 'human'
          ? current.admin_id === admin.id
          : before.mode === 'human' && before.admin_id === admin.id;
      return stillOurs ? restore : undefined;
    });
  await retrying(putBack, { attempts: 6 }).catch((err: unknown) =>
    deps.log.error('could not undo a refused call control', { callId, error: String(err) }),
  );
}

/** The caller's language as the call knows it (the registry's, or detected), else the site's. */
const callerLanguage = (deps: Deps, call: Pick<LiveCall, 'language'>): Language =>
  languageOrSite(deps, call.language);
