import { describe, expect, it } from 'vitest';
import {
  BRIDGE_RING_SECONDS,
  MAX_UPDATE_TWIML_CHARS,
  bridgeUrls,
  emptyResponse,
  listenFor,
  listenOnly,
  screenUrl,
  screeningAnswer,
  screeningPrompt,
  speakAndDial,
  speakAndHangUp,
  speakAndListen,
  turnUrl,
} from '../../../functions/src/core/twiml';

const base = 'https://aurora.example.com';
const speech = { language: 'en-US', model: '', timeout: 'auto' };

describe('TwiML', () => {
  it('speaks and gathers speech with hints and partial results, posting to the turn URL', () => {
    const listen = listenFor(
      base,
      { call: 'call_1_20251004_143000', gather: '00000000abc' },
      speech,
      'fire, gas',
    );
    expect(speakAndListen('Leave the area & call emergency services.', listen)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        '<Gather input="speech" action="https://aurora.example.com/twilio/turn?call=call_1_20251004_143000&amp;g=00000000abc" method="POST" actionOnEmptyResult="true" language="en-US" speechTimeout="auto" hints="fire, gas" ' +
        'partialResultCallback="https://aurora.example.com/twilio/partial?call=call_1_20251004_143000&amp;g=00000000abc" partialResultCallbackMethod="POST" bargeIn="true">' +
        '<Say>Leave the area &amp; call emergency services.</Say></Gather></Response>',
    );
  });

  it('uses a numeric speech timeout once a speech model is named, as Twilio requires', () => {
    const twiml = listenOnly(
      listenFor(base, {}, { language: 'es-MX', model: 'phone_call', timeout: 'auto' }, ''),
    );
    expect(twiml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="speech" action="https://aurora.example.com/twilio/turn" method="POST" actionOnEmptyResult="true" language="es-MX" speechModel="phone_call" speechTimeout="2" bargeIn="true"/></Response>',
    );
  });

  it('names the call and counts silent turns in the action URL', () => {
    expect(turnUrl(base, { call: 'call_1_20251004_143000', silent: 2 })).toBe(
      'https://aurora.example.com/twilio/turn?call=call_1_20251004_143000&silent=2',
    );
    expect(turnUrl(base, { silent: 0 })).toBe('https://aurora.example.com/twilio/turn');
  });

  it('asks for partial results only on a known call', () => {
    expect(listenFor(base, { gather: 'x' }, speech, '').partial).toBeUndefined();
  });

  it('says goodbye and hangs up', () => {
    expect(speakAndHangUp('Goodbye.')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Goodbye.</Say><Hangup/></Response>',
    );
  });

  it('answers status callbacks with an empty response', () => {
    expect(emptyResponse()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });

  it('dials a bridge with an action URL and a screening for the called person', () => {
    const urls = bridgeUrls(base, 'call_1_20251004_143000', '+15557654321');
    const twiml = speakAndDial(
      'Connecting you now.',
      { number: '+15557654321', timeLimitSeconds: 3600, ringSeconds: BRIDGE_RING_SECONDS, ...urls },
      { voice: 'Polly.Vicki', language: 'de-DE' },
    );
    expect(twiml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say voice="Polly.Vicki" language="de-DE">Connecting you now.</Say>' +
        '<Dial action="https://aurora.example.com/twilio/dial?call=call_1_20251004_143000&amp;to=%2B15557654321" timeLimit="3600" timeout="25">' +
        '<Number url="https://aurora.example.com/twilio/screen?call=call_1_20251004_143000">+15557654321</Number></Dial></Response>',
    );
    expect(twiml.length).toBeLessThan(MAX_UPDATE_TWIML_CHARS);
  });

  it('screens the called person: one key, said twice, and a hang-up when no key comes (a voicemail box)', () => {
    expect(screeningPrompt(screenUrl(base, 'call_1_20251004_143000', 'answer'))).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        '<Gather numDigits="1" action="https://aurora.example.com/twilio/screen?call=call_1_20251004_143000&amp;step=answer">' +
        `<Say loop="2">Aurora safety line: a worker's call is waiting. Press 1 to accept.</Say></Gather>` +
        '<Say>Goodbye.</Say><Hangup/></Response>',
    );
    expect(screenUrl(base, undefined, 'answer')).toBe(
      'https://aurora.example.com/twilio/screen?step=answer',
    );
  });

  it('connects on 1 (empty TwiML) and hangs up the called leg on any other key or none', () => {
    expect(screeningAnswer('1')).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    for (const digits of ['2', '#', '11', '', undefined]) {
      expect(screeningAnswer(digits)).toBe(
        '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Goodbye.</Say><Hangup/></Response>',
      );
    }
  });
});
