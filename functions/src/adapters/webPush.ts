import type { Messaging } from 'firebase-admin/messaging';
import type { LiveDb, WebPush } from '../ports';
import type { Log } from '../core/log';
import { paths } from '@aurora/model';

type Registered = Record<string, Record<string, { token?: string; at?: number }>>;

/** FCM's answers for a token that will never work again: it is forgotten. */
const DEAD_TOKEN = new Set([
  'messaging/registration-token-not-registered',
  'messaging/invalid-registration-token',
]);

/**
 * FCM's multicast takes at most 500 tokens per request
 * (https://firebase.google.com/docs/reference/admin/node/firebase-admin.messaging.messaging#messagingsendeachformulticast).
 */
export const FCM_MULTICAST_LIMIT = 500;

/** Browsers kept per admin: the newest registrations; older ones are forgotten. */
export const MAX_BROWSERS_PER_ADMIN = 10;

type Target = { uid: string; key: string; token: string };

/** Each admin's newest registrations, and the paths of the ones past the bound (to forget). */
export function pushTargets(
  registered: Registered,
  uids: string[],
): { targets: Target[]; excess: string[] } {
  const targets: Target[] = [];
  const excess: string[] = [];
  for (const uid of uids) {
    const entries = Object.entries(registered[uid] ?? {})
      .filter(([, v]) => typeof v?.token === 'string')
      .sort(([, a], [, b]) => (b.at ?? 0) - (a.at ?? 0));
    entries.forEach(([key, v], i) => {
      if (i < MAX_BROWSERS_PER_ADMIN) targets.push({ uid, key, token: v.token! });
      else excess.push(`${paths.adminPushTokens(uid)}/${key}`);
    });
  }
  return { targets, excess };
}

/**
 * Web push through Firebase Cloud Messaging to the browsers admins registered from the
 * dashboard (admin_push_tokens/{uid}/{key}), in chunks FCM accepts; tokens FCM says are dead,
 * and registrations past each admin's bound, are removed.
 */
export function fcmPush(live: LiveDb, messaging: Messaging, log: Log): WebPush {
  return {
    async notify(uids, message) {
      const registered = ((await live.get(paths.pushTokens)) as Registered | null) ?? {};
      const { targets, excess } = pushTargets(registered, uids);
      const forget: Record<string, null> = Object.fromEntries(excess.map((path) => [path, null]));
      let reached = 0;
      for (let start = 0; start < targets.length; start += FCM_MULTICAST_LIMIT) {
        const chunk = targets.slice(start, start + FCM_MULTICAST_LIMIT);
        try {
          const result = await messaging.sendEachForMulticast({
            tokens: chunk.map((t) => t.token),
            webpush: {
              notification: { title: message.title, body: message.body, requireInteraction: true },
              fcmOptions: { link: message.link },
            },
          });
          reached += result.successCount;
          result.responses.forEach((r, i) => {
            if (!r.success && r.error && DEAD_TOKEN.has(r.error.code))
              forget[`${paths.adminPushTokens(chunk[i].uid)}/${chunk[i].key}`] = null;
          });
        } catch (err) {
          // One chunk refused does not stop the others from being reached.
          log.error('web push chunk failed', { tokens: chunk.length, error: String(err) });
        }
      }
      if (Object.keys(forget).length > 0)
        await live
          .update(forget)
          .catch((err: unknown) =>
            log.warn('could not forget dead push tokens', { error: String(err) }),
          );
      return reached;
    },
  };
}

/** Where FCM cannot be reached (the emulators): logs the push it would have sent. */
export function recordingPush(live: LiveDb, log: Log): WebPush {
  return {
    async notify(uids, message) {
      const registered = ((await live.get(paths.pushTokens)) as Registered | null) ?? {};
      const browsers = uids.reduce((n, uid) => n + Object.keys(registered[uid] ?? {}).length, 0);
      log.warn('escalation web push (not sent: no FCM in the emulators)', {
        admins: uids.length,
        browsers,
        title: message.title,
      });
      return 0;
    },
  };
}
