/**
 * The voice clients behind the call view's port: the Twilio adapter over a stand-in for the SDK's
 * Device and Call (the same events the SDK emits), and the fake the browser tests use.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { VoiceTokenResult } from '@aurora/model';
import { MICROPHONE_DENIED_TEXT } from '../../../hosting/src/core/voice';
import { fakeVoiceClient } from '../../../hosting/src/voice/fakeClient';
import {
  twilioVoiceClient,
  type SdkCall,
  type SdkDevice,
  type VoiceSdk,
} from '../../../hosting/src/voice/twilioClient';
import {
  wantsFakeVoice,
  type VoiceClient,
  type VoiceState,
} from '../../../hosting/src/voice/voiceClient';

class StandInCall extends EventEmitter implements SdkCall {
  disconnected = false;
  disconnect() {
    this.disconnected = true;
    this.emit('disconnect', this);
  }
}

class StandInDevice extends EventEmitter implements SdkDevice {
  readonly connects: Array<Record<string, string>> = [];
  readonly calls: StandInCall[] = [];
  readonly tokens: string[];
  constructor(token: string) {
    super();
    this.tokens = [token];
  }
  async connect(options: { params: Record<string, string> }) {
    this.connects.push(options.params);
    const call = new StandInCall();
    this.calls.push(call);
    return call;
  }
  updateToken(token: string) {
    this.tokens.push(token);
  }
}

function standInSdk(isSupported = true) {
  const devices: StandInDevice[] = [];
  const sdk: VoiceSdk = {
    isSupported,
    device: (token) => {
      const device = new StandInDevice(token);
      devices.push(device);
      return device;
    },
  };
  return { sdk, devices };
}

function tokens(...failures: Array<Error | null>) {
  let n = 0;
  const fetchToken = async (): Promise<VoiceTokenResult> => {
    const failure = failures[n];
    n++;
    if (failure) throw failure;
    return { token: `token-${n}`, identity: 'uid-ana', expiresAt: '2026-03-01T11:00:00Z' };
  };
  return fetchToken;
}

const watch = (client: VoiceClient) => {
  const seen: VoiceState[] = [];
  client.onChange((state) => seen.push(state));
  return seen;
};

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the Twilio voice client', () => {
  it('connects with the call and the mode as TwiML App params, and is open once Twilio accepts', async () => {
    const { sdk, devices } = standInSdk();
    const client = twilioVoiceClient(tokens(), async () => sdk);
    const seen = watch(client);
    await client.connect({ callId: 'call_1', mode: 'listen' });
    expect(devices[0]!.tokens).toEqual(['token-1']);
    expect(devices[0]!.connects).toEqual([{ callId: 'call_1', mode: 'listen' }]);
    expect(client.state.phase).toBe('connecting');
    devices[0]!.calls[0]!.emit('accept');
    expect(client.state).toEqual({ phase: 'open', callId: 'call_1', mode: 'listen' });
    expect(seen.map((s) => s.phase)).toEqual(['connecting', 'open']);
  });

  it('says plainly that the microphone was refused (SDK error 31401)', async () => {
    const { sdk, devices } = standInSdk();
    const client = twilioVoiceClient(tokens(), async () => sdk);
    await client.connect({ callId: 'call_1', mode: 'talk' });
    const call = devices[0]!.calls[0]!;
    // As the SDK does: the leg is dropped, then the error says why.
    call.emit('disconnect', call);
    call.emit(
      'error',
      Object.assign(new Error('UserMedia Permission Denied Error'), { code: 31401 }),
    );
    expect(client.state).toEqual({
      phase: 'failed',
      callId: 'call_1',
      mode: 'talk',
      reason: MICROPHONE_DENIED_TEXT,
    });
  });

  it('renews the token when the SDK says it will expire, on the same Device', async () => {
    const { sdk, devices } = standInSdk();
    const client = twilioVoiceClient(tokens(), async () => sdk);
    await client.connect({ callId: 'call_1', mode: 'talk' });
    devices[0]!.calls[0]!.emit('accept');
    devices[0]!.emit('tokenWillExpire', devices[0]);
    await flush();
    expect(devices[0]!.tokens).toEqual(['token-1', 'token-2']);
    expect(client.state.phase).toBe('open');
    // A second connect reuses the Device and its renewed token.
    client.disconnect();
    await client.connect({ callId: 'call_2', mode: 'talk' });
    expect(devices).toHaveLength(1);
  });

  it('stays on the call, with a warning, when a renewal is refused', async () => {
    const { sdk, devices } = standInSdk();
    const client = twilioVoiceClient(tokens(null, new Error('permission-denied')), async () => sdk);
    await client.connect({ callId: 'call_1', mode: 'talk' });
    devices[0]!.calls[0]!.emit('accept');
    devices[0]!.emit('tokenWillExpire', devices[0]);
    await flush();
    expect(client.state).toMatchObject({
      phase: 'open',
      reason: expect.stringMatching(/^Could not renew your voice sign-in \(permission-denied\)/),
    });
  });

  it('fails with the reason when no token can be had or the browser cannot carry audio', async () => {
    const refused = twilioVoiceClient(
      tokens(new Error('Firebase: only supervisors may talk on calls')),
      async () => standInSdk().sdk,
    );
    await refused.connect({ callId: 'call_1', mode: 'talk' });
    expect(refused.state).toMatchObject({
      phase: 'failed',
      reason: 'Could not get your voice sign-in: only supervisors may talk on calls',
    });
    const old = twilioVoiceClient(tokens(), async () => standInSdk(false).sdk);
    await old.connect({ callId: 'call_1', mode: 'talk' });
    expect(old.state.reason).toMatch(/^This browser cannot carry call audio/);
  });

  it('closes on hang-up, and says when the conference closed from the other end', async () => {
    const { sdk, devices } = standInSdk();
    const client = twilioVoiceClient(tokens(), async () => sdk);
    await client.connect({ callId: 'call_1', mode: 'talk' });
    devices[0]!.calls[0]!.emit('accept');
    client.disconnect();
    expect(devices[0]!.calls[0]!.disconnected).toBe(true);
    expect(client.state).toEqual({
      phase: 'closed',
      callId: 'call_1',
      mode: 'talk',
      reason: 'You left the call.',
    });

    await client.connect({ callId: 'call_1', mode: 'talk' });
    devices[0]!.calls[1]!.emit('accept');
    devices[0]!.calls[1]!.emit('disconnect');
    expect(client.state).toMatchObject({
      phase: 'closed',
      reason: 'Twilio ended your audio on this call.',
    });
    // From Twilio's side, unlike the hang-up above: the page may read it as a refused leg.
    expect(client.state.farEnd).toBe(true);
  });

  it('marks a leg Twilio accepted, then the functions refused, as closed from the far end', async () => {
    const { sdk, devices } = standInSdk();
    const client = twilioVoiceClient(tokens(), async () => sdk);
    const seen = watch(client);
    await client.connect({ callId: 'call_1', mode: 'listen' });
    const leg = devices[0]!.calls[0]!;
    leg.emit('accept'); // Twilio answered the TwiML App...
    leg.emit('disconnect'); // ...whose answer was a spoken refusal and a hang-up.
    expect(seen.map((s) => [s.phase, s.farEnd])).toEqual([
      ['connecting', undefined],
      ['open', undefined],
      ['closed', true],
    ]);
  });

  it('ignores a superseded connect: talking on a second call hangs up the first', async () => {
    const { sdk, devices } = standInSdk();
    const client = twilioVoiceClient(tokens(), async () => sdk);
    await client.connect({ callId: 'call_1', mode: 'talk' });
    const first = devices[0]!.calls[0]!;
    first.emit('accept');
    await client.connect({ callId: 'call_2', mode: 'listen' });
    expect(first.disconnected).toBe(true);
    first.emit('error', { code: 31005 }); // late news of the old leg changes nothing
    expect(client.state).toEqual({ phase: 'connecting', callId: 'call_2', mode: 'listen' });
  });
});

describe('the fake voice client', () => {
  it('records connects and disconnects, and fails a planned connect as the SDK would', async () => {
    const client = fakeVoiceClient();
    await client.connect({ callId: 'call_1', mode: 'talk' });
    expect(client.state).toEqual({ phase: 'open', callId: 'call_1', mode: 'talk' });
    client.disconnect();
    client.failNext({ code: 31401 });
    await client.connect({ callId: 'call_1', mode: 'talk' });
    expect(client.state).toMatchObject({ phase: 'failed', reason: MICROPHONE_DENIED_TEXT });
    await client.connect({ callId: 'call_1', mode: 'listen' });
    client.drop();
    expect(client.state).toMatchObject({ phase: 'closed', mode: 'listen' });
    expect(client.records).toEqual([
      { op: 'connect', callId: 'call_1', mode: 'talk' },
      { op: 'disconnect', callId: 'call_1', mode: 'talk' },
      { op: 'connect', callId: 'call_1', mode: 'talk' },
      { op: 'connect', callId: 'call_1', mode: 'listen' },
    ]);
  });

  it('opens, then closes from the far end, when the carrier says the functions refused the leg', async () => {
    const refusal = 'Twilio ended the call: Nobody is talking with the caller yet. Goodbye.';
    Object.assign(globalThis, { window: { auroraVoiceCarrier: async () => refusal } });
    try {
      const client = fakeVoiceClient();
      const seen = watch(client);
      await client.connect({ callId: 'call_1', mode: 'listen' });
      expect(seen.map((s) => s.phase)).toEqual(['connecting', 'open', 'closed']);
      expect(client.state).toEqual({
        phase: 'closed',
        callId: 'call_1',
        mode: 'listen',
        reason: refusal,
        farEnd: true,
      });
    } finally {
      delete (globalThis as { window?: unknown }).window;
    }
  });

  it('is chosen only against the local emulators, and only when asked', () => {
    expect(wantsFakeVoice(true, '?voice=fake')).toBe(true);
    expect(wantsFakeVoice(false, '?voice=fake')).toBe(false);
    expect(wantsFakeVoice(true, '')).toBe(false);
    expect(wantsFakeVoice(true, '?voice=twilio')).toBe(false);
  });
});
