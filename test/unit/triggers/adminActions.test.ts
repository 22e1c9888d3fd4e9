import { describe, expect, it } from 'vitest';
import { HttpsError } from 'firebase-functions/v2/https';
import { startCall } from '../../../functions/src/calls/startCall';
import {
  callControlHandler,
  siteSettingsHandler,
} from '../../../functions/src/triggers/adminActions';
import { memoryDeps } from '../../helpers/fakes';
import { callSid } from '../../helpers/fixtures';

const CALL_ID = 'call_15550100001_20251004_143000';
type Auth = { uid: string; token: Record<string, unknown> };
const admin: Auth = { uid: 'u1', token: { admin: true, email: 'ana@site.example' } };

async function setUp() {
  const world = memoryDeps();
  await startCall({ callSid: callSid(1), from: '+15550100001' }, world.deps);
  const handle = callControlHandler(() => world.deps);
  const call = (auth: Auth | undefined, data: unknown) =>
    handle({ auth, data } as Parameters<typeof handle>[0]);
  return { ...world, call };
}

const rejectsWith = async (promise: Promise<unknown>, code: string, message?: RegExp) => {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpsError);
  expect((err as HttpsError).code).toBe(code);
  if (message) expect((err as HttpsError).message).toMatch(message);
};

describe('callControl callable', () => {
  it('lets an admin take a call, naming them by email', async () => {
    const { call, live } = await setUp();
    await expect(call(admin, { action: 'take', callId: CALL_ID })).resolves.toEqual({
      reached: true,
    });
    expect(await live.get(`active_calls/${CALL_ID}/admin_id`)).toBe('ana@site.example');
  });

  it('keeps out the signed-out and users without the admin claim, changing nothing', async () => {
    const { call, live, voice } = await setUp();
    const before = structuredClone(live.tree);
    await rejectsWith(call(undefined, { action: 'take', callId: CALL_ID }), 'unauthenticated');
    await rejectsWith(
      call({ uid: 'u2', token: { email: 'eve@x' } }, { action: 'take', callId: CALL_ID }),
      'permission-denied',
    );
    await rejectsWith(
      call({ uid: 'u3', token: { admin: 'true' } }, { action: 'take', callId: CALL_ID }),
      'permission-denied',
    );
    expect(live.tree).toEqual(before);
    expect(voice.sent).toEqual([]);
  });

  it('refuses an admin removed or revoked since their token was issued, at once, changing nothing', async () => {
    const { call, live, voice, admins } = await setUp();
    const before = structuredClone(live.tree);
    admins.revoked.add('u1');
    await rejectsWith(
      call(admin, { action: 'take', callId: CALL_ID }),
      'permission-denied',
      /access has been removed or your session revoked/,
    );
    expect(live.tree).toEqual(before);
    expect(voice.sent).toEqual([]);
  });

  it('rejects malformed payloads with the reason', async () => {
    const { call } = await setUp();
    await rejectsWith(
      call(admin, { action: 'say', callId: CALL_ID, text: 'x'.repeat(700) }),
      'invalid-argument',
      /600/,
    );
    await rejectsWith(call(admin, 'take it'), 'invalid-argument');
  });

  it("maps refusals to HttpsErrors, and Twilio's failures to unavailable", async () => {
    const { call, voice } = await setUp();
    await rejectsWith(
      call(admin, { action: 'say', callId: CALL_ID, text: 'hi' }),
      'failed-precondition',
      /Take the call first/,
    );
    await rejectsWith(
      call(admin, { action: 'take', callId: 'call_1_20250101_000000' }),
      'not-found',
    );
    voice.redirect = () => Promise.reject(new Error('socket hang up'));
    await rejectsWith(call(admin, { action: 'take', callId: CALL_ID }), 'unavailable');
  });
});

describe('siteSettings callable', () => {
  it("tells an admin the site's time zone, and nobody else", async () => {
    const world = memoryDeps();
    const handle = siteSettingsHandler(() => world.deps);
    const ask = (auth: Auth | undefined) => handle({ auth } as Parameters<typeof handle>[0]);
    await expect(ask(admin)).resolves.toEqual({ timeZone: world.deps.settings.timeZone });
    await rejectsWith(ask(undefined), 'unauthenticated');
    await rejectsWith(ask({ uid: 'u2', token: { email: 'eve@x' } }), 'permission-denied');
  });
});
