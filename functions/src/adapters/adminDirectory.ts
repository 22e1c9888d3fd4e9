import type { Auth } from 'firebase-admin/auth';
import { withDeadline } from '../core/errors';
import { paths } from '@aurora/model';
import type { AdminDirectory, LiveDb } from '../ports';

/**
 * The admin directory the claim script keeps (admins/{uid} in the Realtime Database), and the
 * account's revocation time from Firebase Auth: an admin removed or revoked is refused at
 * once, not when their ID token expires.
 */
export function authAdminDirectory(live: LiveDb, auth: Auth): AdminDirectory {
  return {
    async stillAdmin(uid, signedInAtMs) {
      const [listed, user] = await Promise.all([
        live.get(paths.admin(uid)),
        withDeadline(auth.getUser(uid), 3000, 'admin lookup'),
      ]);
      if (listed === null || user.disabled || user.customClaims?.admin !== true) return false;
      // As verifyIdToken(checkRevoked) decides: a session begun before the revocation is over.
      const revokedAt = user.tokensValidAfterTime ? Date.parse(user.tokensValidAfterTime) : 0;
      return signedInAtMs >= revokedAt;
    },
  };
}
