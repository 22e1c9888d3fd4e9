/**
 * The port between the call view and a supervisor's own voice on a call (issue 24): the browser
 * joins the call's conference to talk or to listen. The Twilio adapter (twilioClient.ts) carries
 * real audio; the fake (fakeClient.ts) stands in for it against the local emulators, where no
 * Twilio media server exists. The call view only ever sees this.
 */

/** Talk: heard at once. Listen: joins muted (the functions' TwiML), heard only after "Speak up". */
export type VoiceMode = 'talk' | 'listen';

export type VoicePhase = 'idle' | 'connecting' | 'open' | 'closed' | 'failed';

/** Where the supervisor's browser leg is; `reason` says in plain words why it closed or failed. */
export type VoiceState = {
  phase: VoicePhase;
  callId?: string;
  mode?: VoiceMode;
  reason?: string;
  /** Closed from Twilio's side (the conference, or the functions refusing the leg), not by this page. */
  farEnd?: boolean;
};

export type VoiceTarget = { callId: string; mode: VoiceMode };

export interface VoiceClient {
  /** Joins the call's conference; resolves once connected or failed (the state says which), never rejects. */
  connect(target: VoiceTarget): Promise<void>;
  /** Drops this browser's leg, if any. */
  disconnect(): void;
  readonly state: VoiceState;
  /** Calls `listener` on every change of `state`; returns the unsubscribe. */
  onChange(listener: (state: VoiceState) => void): () => void;
}

/** The state and its listeners, shared by the adapters. */
export function voiceStateHolder() {
  let state: VoiceState = { phase: 'idle' };
  const listeners = new Set<(state: VoiceState) => void>();
  return {
    get state() {
      return state;
    },
    set(next: VoiceState) {
      state = next;
      for (const listener of [...listeners]) listener(state);
    },
    onChange: (listener: (state: VoiceState) => void) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

/** Whether the client is on (or joining) a call: a second connect must wait for a disconnect. */
export const isOnCall = (state: VoiceState) =>
  state.phase === 'connecting' || state.phase === 'open';

/** Whether the page should use the fake client: only against the local emulators, and only when asked (`?voice=fake`). */
export const wantsFakeVoice = (local: boolean, search: string) =>
  local && new URLSearchParams(search).get('voice') === 'fake';
