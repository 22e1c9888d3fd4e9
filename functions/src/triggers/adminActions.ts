import { HttpsError, type CallableRequest } from 'firebase-functions/v2/https';
import { z } from 'zod';
import type { Deps } from '../ports';
import { controlCall, type ControlResult } from '../calls/controlCall';
import type { Admin } from '../core/callControl';
import { CallAction, type CallControlResult } from '../model/schema';
import { productionDeps } from './wiring';

/**
 * The admin who made a callable request, or an HttpsError: signed in, and carrying the
 * `admin` custom claim. An admin is named by email, as the dashboard shows them.
 */
export function adminOf(request: Pick<CallableRequest<unknown>, 'auth'>): Admin {
  const auth = request.auth;
  if (!auth) throw new HttpsError('unauthenticated', 'Sign in first.');
  if (auth.token.admin !== true) throw new HttpsError('permission-denied', 'Only admins may control calls.');
  return { id: typeof auth.token.email === 'string' ? auth.token.email : auth.uid };
}

/** The dashboard's one callable for live calls: take, say, release, bridge, end. Errors map to HttpsError here. */
export function callControlHandler(makeDeps: () => Deps = productionDeps) {
  return async (request: Pick<CallableRequest<unknown>, 'auth' | 'data'>): Promise<CallControlResult> => {
    const admin = adminOf(request);
    const action = CallAction.safeParse(request.data);
    if (!action.success) throw new HttpsError('invalid-argument', z.prettifyError(action.error));
    const deps = makeDeps();
    let result: ControlResult;
    try {
      result = await controlCall(action.data, admin, deps);
    } catch (err) {
      deps.log.error('call control failed', { action: action.data.action, callId: action.data.callId, error: String(err) });
      throw new HttpsError('unavailable', 'Could not reach the call just now; try again.');
    }
    if (!result.ok) throw new HttpsError(result.code, result.message);
    deps.log.info('call control', { action: action.data.action, callId: action.data.callId, admin: admin.id, reached: result.reached });
    return { reached: result.reached };
  };
}

export const handleCallControl = callControlHandler();
