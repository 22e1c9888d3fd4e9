/**
 * A stand-in for the Twilio voice client, for the local emulators only (chosen by `?voice=fake`
 * on a page served from 127.0.0.1 or localhost, see voice/choose.ts): no Twilio media server runs
 * there. It takes the microphone as the SDK would (so a browser's refusal shows as it would), then
 * records what it was asked, and lets a test make the next connect fail or the far end hang up.
 */
import { voiceErrorText, type VoiceFailure } from '../core/voice';
import {
  isOnCall,
  voiceStateHolder,
  type VoiceClient,
  type VoiceState,
  type VoiceTarget,
} from './voiceClient';

export type FakeVoiceRecord =
  | ({ op: 'connect' } & VoiceTarget)
  | { op: 'disconnect'; callId?: string; mode?: VoiceTarget['mode'] };

export type FakeVoiceClient = VoiceClient & {
  /** Every connect and disconnect, oldest first. */
  readonly records: FakeVoiceRecord[];
  /** The next connect fails with this, as the SDK would report it (e.g. `{ code: 31401 }`: microphone denied). */
  failNext(failure: VoiceFailure): void;
  /** The far end ends this browser's leg (the conference closed), with the reason the page shows. */
  drop(reason?: string): void;
};

declare global {
  interface Window {
    /** The fake voice client, for the browser tests to read and steer (set only when it is in use). */
    auroraFakeVoice?: FakeVoiceClient;
    /**
     * What carries the fake's legs to a Twilio stand-in, when a test provides one (Playwright's
     * exposeFunction): it places the browser's leg as Twilio would, asking the TwiML App's Voice
     * URL. Resolves null when connected, else why not.
     */
    auroraVoiceCarrier?: (
      op: 'connect' | 'disconnect',
      target: VoiceTarget,
    ) => Promise<string | null>;
  }
}

export function fakeVoiceClient(): FakeVoiceClient {
  const holder = voiceStateHolder();
  const records: FakeVoiceRecord[] = [];
  let failure: VoiceFailure | null = null;
  let microphone: MediaStream | null = null;

  const release = () => {
    microphone?.getTracks().forEach((track) => track.stop());
    microphone = null;
  };
  const end = (next: VoiceState) => {
    release();
    holder.set(next);
  };

  const client: FakeVoiceClient = {
    records,
    get state() {
      return holder.state;
    },
    onChange: holder.onChange,
    async connect(target) {
      if (isOnCall(holder.state)) client.disconnect();
      records.push({ op: 'connect', ...target });
      holder.set({ phase: 'connecting', ...target });
      try {
        const planned = failure;
        failure = null;
        // Thrown as the SDK reports it: an Error carrying Twilio's code.
        if (planned) throw Object.assign(new Error(planned.message ?? 'planned failure'), planned);
        microphone =
          (await globalThis.navigator?.mediaDevices?.getUserMedia({ audio: true })) ?? null;
        const refused = await globalThis.window?.auroraVoiceCarrier?.('connect', target);
        holder.set({ phase: 'open', ...target });
        // As the SDK has it: Twilio answers the TwiML App, so the leg is accepted, then the
        // functions' refusal is spoken into it and it hangs up from the far end.
        if (refused) end({ phase: 'closed', ...target, reason: refused, farEnd: true });
      } catch (err) {
        end({ phase: 'failed', ...target, reason: voiceErrorText(err as VoiceFailure) });
      }
    },
    disconnect() {
      if (!isOnCall(holder.state)) return;
      const { callId, mode } = holder.state;
      records.push({ op: 'disconnect', callId, mode });
      end({ phase: 'closed', callId, mode, reason: 'You left the call.' });
      if (callId && mode)
        void globalThis.window?.auroraVoiceCarrier?.('disconnect', { callId, mode });
    },
    failNext(next) {
      failure = next;
    },
    drop(reason = 'The call ended your audio: the conference closed.') {
      if (!isOnCall(holder.state)) return;
      const { callId, mode } = holder.state;
      end({ phase: 'closed', callId, mode, reason, farEnd: true });
    },
  };
  return client;
}
