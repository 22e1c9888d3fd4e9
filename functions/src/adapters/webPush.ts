import type { Messaging } from 'firebase-admin/messaging';
import type { LiveDb, WebPush } from '../ports';
import type { Log } from '../core/log';
import { paths } from '../model/paths';

type Registered = Record<string, Record<string, { token?: string }>>;

/** FCM's answers for a token that will never work again: it is forgotten. */
const DEAD_TOKEN = new Set(['messaging/registration-token-not-registered', 'messaging/invalid-registration-token']);

/**
 * Web push through Firebase Cloud Messaging to the browsers admins registered from the
 * dashboard (admin_push_tokens/{uid}/{key}); tokens FCM says are dead are removed.
 */
export function fcmPush(live: LiveDb, messaging: Messaging, log: Log): WebPush {
  return {
    async notify(uids, message) {
      const registered = ((await live.get(paths.pushTokens)) as Registered | null) ?? {};
      const targets = uids.flatMap((uid) => Object.entries(registered[uid] ?? {}).flatMap(([key, v]) => (v?.token ? [{ uid, key, token: v.token }] : [])));
      if (targets.length === 0) return 0;
      const result = await messaging.sendEachForMulticast({
        tokens: targets.map((t) => t.token),
        webpush: { notification: { title: message.title, body: message.body, requireInteraction: true }, fcmOptions: { link: message.link } },
      });
      const dead: Record<string, null> = {};
      result.responses.forEach((r, i) => {
        if (!r.success && r.error && DEAD_TOKEN.has(r.error.code)) dead[`${paths.pushTokens}/${targets[i].uid}/${targets[i].key}`] = null;
      });
      if (Object.keys(dead).length > 0) await live.update(dead).catch((err: unknown) => log.warn('could not forget dead push tokens', { error: String(err) }));
      return result.successCount;
    },
  };
}

/** Where FCM cannot be reached (the emulators): logs the push it would have sent. */
export function recordingPush(live: LiveDb, log: Log): WebPush {
  return {
    async notify(uids, message) {
      const registered = ((await live.get(paths.pushTokens)) as Registered | null) ?? {};
      const browsers = uids.reduce((n, uid) => n + Object.keys(registered[uid] ?? {}).length, 0);
      log.warn('escalation web push (not sent: no FCM in the emulators)', { admins: uids.length, browsers, title: message.title });
      return 0;
    },
  };
}
