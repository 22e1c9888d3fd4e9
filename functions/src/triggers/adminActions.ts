import { HttpsError, type CallableRequest } from 'firebase-functions/v2/https';
import { z } from 'zod';
import type { Deps } from '../ports';
import { controlCall, type ControlResult } from '../calls/controlCall';
import type { Admin } from '../core/callControl';
import { CallAction, type CallControlResult, type SiteSettings } from '@aurora/model';
import { productionDeps } from './wiring';

/**
 * The admin who made a callable request, or an HttpsError: signed in, and carrying the
 * `admin` custom claim. An admin is named by email, as the dashboard shows them.
 */
export function adminOf(
  request: Pick<CallableRequest<unknown>, 'auth'>,
): Admin & { uid: string; signedInAtMs: number } {
  const auth = request.auth;
  if (!auth) throw new HttpsError('unauthenticated', 'Sign in first.');
  if (auth.token.admin !== true)
    throw new HttpsError('permission-denied', 'Only admins may control calls.');
  const signedIn = Number(auth.token.auth_time ?? auth.token.iat ?? 0);
  return {
    id: typeof auth.token.email === 'string' ? auth.token.email : auth.uid,
    uid: auth.uid,
    signedInAtMs: signedIn * 1000,
  };
}

const REVOKED =
  'Your supervisor access has been removed or your session revoked. Sign in again, or ask an administrator.';

/**
 * Refuses an admin removed from the directory or revoked since their ID token was issued: the
 * token's claim can be an hour old, the directory and the revocation time say now.
 */
export async function assertStillAdmin(
  deps: Pick<Deps, 'admins' | 'log'>,
  admin: ReturnType<typeof adminOf>,
): Promise<void> {
  const still = await deps.admins
    .stillAdmin(admin.uid, admin.signedInAtMs)
    .catch((err: unknown) => {
      deps.log.error('could not check admin access', { error: String(err) });
      throw new HttpsError('unavailable', 'Could not check your access just now; try again.');
    });
  if (!still) {
    deps.log.warn('refused a revoked admin', { admin: admin.id });
    throw new HttpsError('permission-denied', REVOKED);
  }
}

/** The dashboard's one callable for live calls: take, say, release, bridge, end, and the voice actions (callme, transfer, mute, leave). Errors map to HttpsError here. */
export function callControlHandler(makeDeps: () => Deps = productionDeps) {
  return async (
    request: Pick<CallableRequest<unknown>, 'auth' | 'data'>,
  ): Promise<CallControlResult> => {
    const admin = adminOf(request);
    const action = CallAction.safeParse(request.data);
    if (!action.success) throw new HttpsError('invalid-argument', z.prettifyError(action.error));
    const deps = makeDeps();
    await assertStillAdmin(deps, admin);
    let result: ControlResult;
    try {
      result = await controlCall(action.data, { id: admin.id, uid: admin.uid }, deps);
    } catch (err) {
      deps.log.error('call control failed', {
        action: action.data.action,
        callId: action.data.callId,
        error: String(err),
      });
      throw new HttpsError('unavailable', 'Could not reach the call just now; try again.');
    }
    if (!result.ok) throw new HttpsError(result.code, result.message);
    deps.log.info('call control', {
      action: action.data.action,
      callId: action.data.callId,
      admin: admin.id,
      reached: result.reached,
    });
    return { reached: result.reached };
  };
}

export const handleCallControl = callControlHandler();

/**
 * What the dashboard must know about the site before it shows a time: the zone every time is
 * shown in (the one the functions stamp calls with), so a supervisor in another zone, or on a
 * laptop set to UTC, reads the site's clock.
 */
export function siteSettingsHandler(makeDeps: () => Deps = productionDeps) {
  return async (request: Pick<CallableRequest<unknown>, 'auth'>): Promise<SiteSettings> => {
    adminOf(request);
    return { timeZone: makeDeps().settings.timeZone };
  };
}

export const handleSiteSettings = siteSettingsHandler();
