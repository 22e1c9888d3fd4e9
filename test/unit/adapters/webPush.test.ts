import type { Messaging, MulticastMessage } from 'firebase-admin/messaging';
import { describe, expect, it } from 'vitest';
import {
  FCM_MULTICAST_LIMIT,
  MAX_BROWSERS_PER_ADMIN,
  fcmPush,
} from '../../../functions/src/adapters/webPush';
import { silentLog } from '../../helpers/fixtures';
import { MemoryLiveDb } from '../../helpers/memoryDb';

/** FCM's multicast as the adapter uses it: one response per token, some tokens dead. */
function fakeMessaging(dead: string[]) {
  const sent: MulticastMessage[] = [];
  const messaging = {
    sendEachForMulticast: async (message: MulticastMessage) => {
      // FCM refuses a multicast of more than 500 tokens (messaging/invalid-argument).
      if (message.tokens.length > FCM_MULTICAST_LIMIT)
        throw Object.assign(new Error('tokens must not contain more than 500 items'), {
          code: 'messaging/invalid-argument',
        });
      sent.push(message);
      const responses = message.tokens.map((token) =>
        dead.includes(token)
          ? { success: false, error: { code: 'messaging/registration-token-not-registered' } }
          : { success: true },
      );
      return {
        responses,
        successCount: responses.filter((r) => r.success).length,
        failureCount: responses.filter((r) => !r.success).length,
      };
    },
  };
  return { messaging: messaging as unknown as Messaging, sent };
}

describe('fcmPush', () => {
  it("sends to the admins' registered browsers, with a link, and forgets tokens FCM says are dead", async () => {
    const live = new MemoryLiveDb();
    await live.update({
      'admin_push_tokens/ana/k1': { token: 'ana-laptop', at: 1 },
      'admin_push_tokens/ana/k2': { token: 'ana-old-phone', at: 1 },
      'admin_push_tokens/ben/k3': { token: 'ben-desktop', at: 1 },
      'admin_push_tokens/eve/k4': { token: 'eve-not-an-admin-any-more', at: 1 },
    });
    const { messaging, sent } = fakeMessaging(['ana-old-phone']);
    const reached = await fcmPush(live, messaging, silentLog).notify(['ana', 'ben'], {
      title: 'CRITICAL',
      body: 'call',
      link: 'https://aurora.example.com',
    });
    expect(reached).toBe(2);
    expect(sent).toEqual([
      {
        tokens: ['ana-laptop', 'ana-old-phone', 'ben-desktop'],
        webpush: {
          notification: { title: 'CRITICAL', body: 'call', requireInteraction: true },
          fcmOptions: { link: 'https://aurora.example.com' },
        },
      },
    ]);
    expect(await live.get('admin_push_tokens/ana')).toEqual({ k1: { token: 'ana-laptop', at: 1 } });
  });

  it('sends nothing when no admin registered a browser', async () => {
    const { messaging, sent } = fakeMessaging([]);
    expect(
      await fcmPush(new MemoryLiveDb(), messaging, silentLog).notify(['ana'], {
        title: 't',
        body: 'b',
        link: 'l',
      }),
    ).toBe(0);
    expect(sent).toEqual([]);
  });

  it("reaches every admin's browsers past FCM's 500-token limit, and keeps each admin's newest registrations only", async () => {
    const live = new MemoryLiveDb();
    const uids = Array.from({ length: 120 }, (_, i) => `admin${i}`);
    const tokens: Record<string, unknown> = {};
    for (const uid of uids)
      for (let k = 0; k < MAX_BROWSERS_PER_ADMIN + 2; k++)
        tokens[`admin_push_tokens/${uid}/k${k}`] = { token: `${uid}-t${k}`, at: k };
    await live.update(tokens);
    const { messaging, sent } = fakeMessaging(['admin0-t11']);
    const reached = await fcmPush(live, messaging, silentLog).notify(uids, {
      title: 't',
      body: 'b',
      link: 'l',
    });
    expect(reached).toBe(120 * MAX_BROWSERS_PER_ADMIN - 1);
    expect(sent.map((m) => m.tokens.length)).toEqual([500, 500, 200]);
    expect(Object.keys((await live.get('admin_push_tokens/admin5')) as object)).toHaveLength(
      MAX_BROWSERS_PER_ADMIN,
    );
    expect(await live.get('admin_push_tokens/admin5/k0')).toBeNull(); // the oldest are forgotten
    expect(await live.get('admin_push_tokens/admin0/k11')).toBeNull(); // dead
  });
});
