import { HttpsError, type CallableRequest } from 'firebase-functions/v2/https';
import type { VoiceTokenResult } from '@aurora/model';
import type { Deps } from '../ports';
import { readVoiceSdkParams } from '../config';
import { checkVoiceSdk, mintVoiceToken, type VoiceSdkParams } from '../adapters/voiceAccessToken';
import { adminOf, assertStillAdmin } from './adminActions';
import { productionDeps } from './wiring';

/**
 * The dashboard's voice: a short-lived Access Token for the Voice JavaScript SDK, for admins
 * only, checked as callControl checks them (the claim, then the directory and revocation). A
 * deployment missing any voice setting answers failed-precondition naming what to set, never a
 * token Twilio would refuse.
 */
export function voiceTokenHandler(
  makeDeps: () => Pick<Deps, 'admins' | 'log'> = productionDeps,
  readParams: () => VoiceSdkParams = readVoiceSdkParams,
) {
  return async (request: Pick<CallableRequest<unknown>, 'auth'>): Promise<VoiceTokenResult> => {
    const admin = adminOf(request);
    const deps = makeDeps();
    await assertStillAdmin(deps, admin);
    const checked = checkVoiceSdk(readParams());
    if (!checked.ok) {
      deps.log.error('voice token refused: not configured', { problems: checked.problems });
      throw new HttpsError('failed-precondition', checked.message);
    }
    const minted = mintVoiceToken(checked.settings, admin.uid);
    deps.log.info('voice token', { admin: admin.id, expiresAt: minted.expiresAt });
    return minted;
  };
}

export const handleVoiceToken = voiceTokenHandler();
