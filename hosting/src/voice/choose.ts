/**
 * The page's one voice client: a supervisor has one microphone and one voice on at most one
 * call, whichever call the view shows. Twilio's everywhere, except on a page served against the
 * local emulators and asked for the fake with `?voice=fake` (the browser tests), where no Twilio
 * media server exists.
 */
import { voiceToken, type Firebase } from '../firebase';
import { fakeVoiceClient } from './fakeClient';
import { twilioVoiceClient } from './twilioClient';
import { wantsFakeVoice, type VoiceClient } from './voiceClient';

let client: VoiceClient | null = null;

export function voiceClientFor(firebase: Firebase): VoiceClient {
  if (client) return client;
  if (wantsFakeVoice(firebase.local, location.search)) {
    const fake = fakeVoiceClient();
    window.auroraFakeVoice = fake;
    client = fake;
  } else {
    const token = voiceToken(firebase);
    client = twilioVoiceClient(async () => (await token()).data);
  }
  return client;
}

/** Drops the voice, if any (signing out, access removed): the audio must not outlive the dashboard. */
export function hangUpVoice(): void {
  client?.disconnect();
}
