import { CONTROL_NOTES, ackFields, refusal, releaseFields, takeFields, type Admin, type Refusal } from '../core/callControl';
import { paths } from '../model/paths';
import type { CallAction, LiveCall, LiveMessage, Role } from '../model/schema';
import { siteIso } from '../core/time';
import { LINES, speakAndDial, speakAndListen } from '../core/twiml';
import type { Deps } from '../ports';
import { enqueueArchive, taskIds } from './archival';
import { endCallNow } from './endCall';
import { listening, proceduresOrNone } from './listening';
import { changeCall, readCall } from './liveCalls';

export type ControlResult = { ok: true; reached: boolean } | ({ ok: false } & Refusal);

const GONE: Refusal = { code: 'failed-precondition', message: 'The caller is no longer connected.' };

/**
 * An admin's action on a live call. Taking and handing back change the call in a transaction,
 * so two admins cannot hold one call; what the caller hears goes through Twilio first, and
 * only what was spoken is recorded. `reached` is false when Twilio no longer had the call.
 */
export async function controlCall(action: CallAction, admin: Admin, deps: Deps): Promise<ControlResult> {
  switch (action.action) {
    case 'ack': {
      const changed = await changeHolder(deps, action.callId, 'ack', admin);
      return changed.ok ? { ok: true, reached: true } : changed;
    }
    case 'take':
    case 'release': {
      const changed = await changeHolder(deps, action.callId, action.action, admin);
      if (!changed.ok) return changed;
      const line = action.action === 'take' ? LINES.supervisorJoined : LINES.aiBack;
      const reached = (await deps.voice.redirect(changed.call.call_sid, await speakThenListen(deps, action.callId, line))) === 'done';
      await note(deps, changed.call, [['system', CONTROL_NOTES[action.action](admin)]]);
      return { ok: true, reached };
    }
    case 'say': {
      const call = await callFor(deps, action.callId, 'say', admin);
      if ('code' in call) return { ok: false, ...call };
      const outcome = await deps.voice.redirect(call.call_sid, await speakThenListen(deps, action.callId, action.text));
      if (outcome === 'gone') return { ok: false, ...GONE };
      await note(deps, call, [['admin', action.text]]);
      return { ok: true, reached: true };
    }
    case 'bridge': {
      const call = await callFor(deps, action.callId, 'bridge', admin);
      if ('code' in call) return { ok: false, ...call };
      const outcome = await deps.voice.redirect(call.call_sid, speakAndDial(LINES.connecting, action.to));
      if (outcome === 'gone') return { ok: false, ...GONE };
      await note(deps, call, [['system', CONTROL_NOTES.bridge(admin, action.to)]]);
      return { ok: true, reached: true };
    }
    case 'end': {
      const call = await callFor(deps, action.callId, 'end', admin);
      if ('code' in call) return { ok: false, ...call };
      await note(deps, call, [['system', CONTROL_NOTES.end(admin)]]);
      const outcome = await deps.voice.hangUp(call.call_sid);
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

async function callFor(deps: Deps, callId: string, action: CallAction['action'], admin: Admin): Promise<LiveCall | Refusal> {
  const call = await readCall(deps.live, callId, deps.log);
  return refusal(call, action, admin) ?? call!;
}

/** Takes, hands back or acknowledges the call in one transaction on its node; refuses as `refusal` says. */
async function changeHolder(
  deps: Deps,
  callId: string,
  action: 'take' | 'release' | 'ack',
  admin: Admin,
): Promise<{ ok: true; call: LiveCall } | ({ ok: false } & Refusal)> {
  const nowIso = siteIso(deps.clock(), deps.settings.timeZone);
  let refused: Refusal | null = null;
  const call = await changeCall(deps.live, callId, (current) => {
    refused = refusal(current, action, admin);
    if (refused) return undefined;
    if (action === 'release') return releaseFields();
    return action === 'take' ? { ...takeFields(admin), ...ackFields(current, admin, nowIso) } : ackFields(current, admin, nowIso);
  });
  if (call) return { ok: true, call };
  return { ok: false, ...((refused as Refusal | null) ?? { code: 'not-found', message: 'This call is no longer live.' }) };
}

async function speakThenListen(deps: Deps, callId: string, text: string): Promise<string> {
  return speakAndListen(text, listening(deps, await proceduresOrNone(deps), { call: callId }));
}

/** Records lines on the call's transcript; a failed write is logged, since the caller has already heard them. */
async function note(deps: Deps, call: LiveCall, lines: Array<[Role, string]>): Promise<void> {
  const now = deps.clock();
  const timestamp = siteIso(now, deps.settings.timeZone);
  const changes: Record<string, unknown> = {};
  for (const [role, content] of lines) {
    const message: LiveMessage = { role, content, timestamp, sources: '' };
    changes[paths.message(call.conversation_id, deps.messageKey(now.getTime()))] = message;
  }
  try {
    await deps.live.update(changes);
  } catch (err) {
    deps.log.error('admin action could not be recorded', { conversationId: call.conversation_id, error: String(err) });
  }
}
