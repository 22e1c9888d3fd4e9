/**
 * The voice client over Twilio's Voice JavaScript SDK (`Device`): the supervisor's browser joins
 * the call's conference through the TwiML App, whose Voice URL (/twilio/browser) reads the
 * `callId` and `mode` sent with the connect. The SDK is loaded on the first connect, so the
 * dashboard does not download it until a supervisor talks or listens.
 * https://www.twilio.com/docs/voice/sdks/javascript/twiliodevice
 */
import type { Device } from '@twilio/voice-sdk';
import type { VoiceTokenResult } from '@aurora/model';
import { voiceErrorText, type VoiceFailure } from '../core/voice';
import { isOnCall, voiceStateHolder, type VoiceClient, type VoiceTarget } from './voiceClient';

/** The part of the SDK's Call this client uses. */
export type SdkCall = {
  /** Only `error` passes an argument this client reads (a TwilioError); the others' are ignored. */
  on(event: string, listener: (failure: VoiceFailure) => void): unknown;
  disconnect(): void;
};

/** The part of the SDK's Device this client uses. */
export type SdkDevice = {
  connect(options: { params: Record<string, string> }): Promise<SdkCall>;
  on(event: 'tokenWillExpire', listener: () => void): unknown;
  updateToken(token: string): void;
};

/** What the SDK offers: whether this browser can carry a call, and a Device. */
export type VoiceSdk = {
  isSupported: boolean;
  device(token: string, options: Device.Options): SdkDevice;
};

/** The real SDK, loaded on first use (its own chunk in the build). */
export async function loadTwilioSdk(): Promise<VoiceSdk> {
  const { Device } = await import('@twilio/voice-sdk');
  return {
    isSupported: Device.isSupported,
    device: (token, options) => new Device(token, options),
  };
}

const messageOf = (err: unknown) =>
  ((err as { message?: string }).message ?? String(err)).replace(/^Firebase:\s*/, '');

/** `fetchToken`: the voiceToken callable (a short-lived Access Token for this admin). */
export function twilioVoiceClient(
  fetchToken: () => Promise<VoiceTokenResult>,
  loadSdk: () => Promise<VoiceSdk> = loadTwilioSdk,
): VoiceClient {
  const holder = voiceStateHolder();
  let device: SdkDevice | null = null;
  let call: SdkCall | null = null;
  /** Each connect's own number: a later connect or disconnect makes an earlier one's late events moot. */
  let attempt = 0;

  /** A fresh token before the current one expires, so a long call can rejoin and the Device stays signed in. */
  async function renew(on: SdkDevice) {
    try {
      on.updateToken((await fetchToken()).token);
    } catch (err) {
      if (holder.state.phase === 'open')
        holder.set({
          ...holder.state,
          reason: `Could not renew your voice sign-in (${messageOf(err)}). You stay on the call; joining again may need a new sign-in.`,
        });
    }
  }

  async function ready(): Promise<SdkDevice> {
    if (device) return device;
    let token: string;
    try {
      token = (await fetchToken()).token;
    } catch (err) {
      throw new Error(`Could not get your voice sign-in: ${messageOf(err)}`);
    }
    const sdk = await loadSdk();
    if (!sdk.isSupported)
      throw new Error(
        'This browser cannot carry call audio. Use a current Chrome, Edge, Firefox or Safari.',
      );
    const created = sdk.device(token, {
      // Asks before the page is closed mid-call: leaving would drop the supervisor's voice.
      // https://www.twilio.com/docs/voice/sdks/javascript/twiliodevice#deviceoptions
      closeProtection: 'You are on a call: leaving this page drops your voice from it.',
      // Precise codes instead of the generic 31005/53000, so a failure can be worded.
      enableImprovedSignalingErrorPrecision: true,
    });
    // Emitted 10 s before the token expires by default; updateToken swaps it in.
    // https://www.twilio.com/docs/voice/sdks/javascript/twiliodevice#tokenwillexpire-event
    created.on('tokenWillExpire', () => void renew(created));
    device = created;
    return created;
  }

  const client: VoiceClient = {
    get state() {
      return holder.state;
    },
    onChange: holder.onChange,
    async connect(target: VoiceTarget) {
      if (isOnCall(holder.state)) client.disconnect();
      const mine = ++attempt;
      const current = () => mine === attempt;
      holder.set({ phase: 'connecting', ...target });
      try {
        // The params reach the TwiML App's Voice URL with the request Twilio posts.
        // https://www.twilio.com/docs/voice/sdks/javascript/twiliodevice#deviceconnectconnectoptions
        const joined = await (
          await ready()
        ).connect({ params: { callId: target.callId, mode: target.mode } });
        if (!current()) return joined.disconnect();
        call = joined;
        const set = (reason?: string) =>
          current() && holder.set({ phase: 'open', ...target, ...(reason ? { reason } : {}) });
        const ended = (reason: string) => {
          if (!current() || !isOnCall(holder.state)) return;
          call = null;
          holder.set({ phase: 'closed', ...target, reason, farEnd: true });
        };
        // https://www.twilio.com/docs/voice/sdks/javascript/twiliocall#events
        joined.on('accept', () => set());
        joined.on('reconnecting', () => set('The audio connection dropped: reconnecting…'));
        joined.on('reconnected', () => set());
        joined.on('disconnect', () => ended('Twilio ended your audio on this call.'));
        joined.on('cancel', () => ended('The call was cancelled before you joined.'));
        joined.on('reject', () => ended('Twilio refused to connect you to the call.'));
        // A media failure (a refused microphone among them) ends the leg, then reports why.
        joined.on('error', (err: VoiceFailure) => {
          if (!current()) return;
          call = null;
          holder.set({ phase: 'failed', ...target, reason: voiceErrorText(err) });
        });
      } catch (err) {
        if (!current()) return;
        const failure = err as VoiceFailure;
        holder.set({
          phase: 'failed',
          ...target,
          reason: typeof failure.code === 'number' ? voiceErrorText(failure) : messageOf(err),
        });
      }
    },
    disconnect() {
      attempt++;
      const leaving = call;
      call = null;
      const { callId, mode } = holder.state;
      if (isOnCall(holder.state))
        holder.set({ phase: 'closed', callId, mode, reason: 'You left the call.' });
      leaving?.disconnect();
    },
  };
  return client;
}
