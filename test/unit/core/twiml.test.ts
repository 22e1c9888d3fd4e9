import { describe, expect, it } from 'vitest';
import { emptyResponse, listenFor, listenOnly, speakAndHangUp, speakAndListen, turnUrl } from '../../../functions/src/core/twiml';

const base = 'https://aurora.example.com';
const speech = { language: 'en-US', model: '', timeout: 'auto' };

describe('TwiML', () => {
  it('speaks and gathers speech with hints and partial results, posting to the turn URL', () => {
    const listen = listenFor(base, { call: 'call_1_20251004_143000', gather: '00000000abc' }, speech, 'fire, gas');
    expect(speakAndListen('Leave the area & call emergency services.', listen)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        '<Gather input="speech" action="https://aurora.example.com/twilio/turn?call=call_1_20251004_143000&amp;g=00000000abc" method="POST" actionOnEmptyResult="true" language="en-US" speechTimeout="auto" hints="fire, gas" ' +
        'partialResultCallback="https://aurora.example.com/twilio/partial?call=call_1_20251004_143000&amp;g=00000000abc" partialResultCallbackMethod="POST" bargeIn="true">' +
        '<Say>Leave the area &amp; call emergency services.</Say></Gather></Response>',
    );
  });

  it('uses a numeric speech timeout once a speech model is named, as Twilio requires', () => {
    const twiml = listenOnly(listenFor(base, {}, { language: 'es-MX', model: 'phone_call', timeout: 'auto' }, ''));
    expect(twiml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="speech" action="https://aurora.example.com/twilio/turn" method="POST" actionOnEmptyResult="true" language="es-MX" speechModel="phone_call" speechTimeout="2" bargeIn="true"/></Response>',
    );
  });

  it('names the call and counts silent turns in the action URL', () => {
    expect(turnUrl(base, { call: 'call_1_20251004_143000', silent: 2 })).toBe('https://aurora.example.com/twilio/turn?call=call_1_20251004_143000&silent=2');
    expect(turnUrl(base, { silent: 0 })).toBe('https://aurora.example.com/twilio/turn');
  });

  it('asks for partial results only on a known call', () => {
    expect(listenFor(base, { gather: 'x' }, speech, '').partial).toBeUndefined();
  });

  it('says goodbye and hangs up', () => {
    expect(speakAndHangUp('Goodbye.')).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Say>Goodbye.</Say><Hangup/></Response>');
  });

  it('answers status callbacks with an empty response', () => {
    expect(emptyResponse()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });
});
