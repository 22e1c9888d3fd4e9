import type { Messaging, MulticastMessage } from 'firebase-admin/messaging';
import { describe, expect, it } from 'vitest';
import { fcmPush } from '../../../functions/src/adapters/webPush';
import { silentLog } from '../../helpers/fixtures';
import { MemoryLiveDb } from '../../helpers/memoryDb';

/** FCM's multicast as the adapter uses it: one response per token, some tokens dead. */
function fakeMessaging(dead: string[]) {
  const sent: MulticastMessage[] = [];
  const messaging = {
    sendEachForMulticast: async (message: MulticastMessage) => {
      sent.push(message);
      const responses = message.tokens.map((token) =>
        dead.includes(token) ? { success: false, error: { code: 'messaging/registration-token-not-registered' } } : { success: true },
      );
      return { responses, successCount: responses.filter((r) => r.success).length, failureCount: responses.filter((r) => !r.success).length };
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
    const reached = await fcmPush(live, messaging, silentLog).notify(['ana', 'ben'], { title: 'CRITICAL', body: 'call', link: 'https://aurora.example.com' });
    expect(reached).toBe(2);
    expect(sent).toEqual([
      {
        tokens: ['ana-laptop', 'ana-old-phone', 'ben-desktop'],
        webpush: { notification: { title: 'CRITICAL', body: 'call', requireInteraction: true }, fcmOptions: { link: 'https://aurora.example.com' } },
      },
    ]);
    expect(await live.get('admin_push_tokens/ana')).toEqual({ k1: { token: 'ana-laptop', at: 1 } });
  });

  it('sends nothing when no admin registered a browser', async () => {
    const { messaging, sent } = fakeMessaging([]);
    expect(await fcmPush(new MemoryLiveDb(), messaging, silentLog).notify(['ana'], { title: 't', body: 'b', link: 'l' })).toBe(0);
    expect(sent).toEqual([]);
  });
});
