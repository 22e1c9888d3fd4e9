import { describe, expect, it } from 'vitest';
import twilioWebhooks from 'twilio/lib/webhooks/webhooks';
import { signedUrl, twilioWebhook } from '../../../functions/src/triggers/twilioWebhook';
import { TurnBody } from '../../../functions/src/triggers/twilioBodies';
import { memoryDeps } from '../../helpers/fakes';
import { callSid } from '../../helpers/fixtures';

const TOKEN = 'test-token';
const BASE = 'https://aurora.example.com';

/** The bits of express's req/res the handler touches. */
function exchange(
  method: string,
  body: unknown,
  headers: Record<string, string>,
  originalUrl = '/twilio/turn',
) {
  const res = {
    statusCode: 0,
    body: '',
    headers: {} as Record<string, string>,
    status(code: number) {
      this.statusCode = code;
      return this;
    },
    set(name: string, value: string) {
      this.headers[name] = value;
      return this;
    },
    type(value: string) {
      this.headers['Content-Type'] = value;
      return this;
    },
    send(payload: string) {
      this.body = payload;
      return this;
    },
  };
  const req = { method, body, originalUrl, url: originalUrl, get: (name: string) => headers[name] };
  return { req, res };
}

function handler(run = async () => '<Response/>') {
  const { deps } = memoryDeps();
  const calls: unknown[] = [];
  const handle = twilioWebhook(
    {
      path: '/twilio/turn',
      schema: TurnBody,
      run: async (body, _deps, query) => (calls.push([body, query.get('silent')]), run()),
    },
    () => TOKEN,
    () => deps,
  );
  return { handle: handle as (req: unknown, res: unknown) => Promise<void>, calls };
}

const sign = (url: string, params: Record<string, string>) =>
  twilioWebhooks.getExpectedTwilioSignature(TOKEN, url, params);

describe('twilioWebhook', () => {
  const params = { CallSid: callSid(1), SpeechResult: 'fire' };

  it('runs the use case for a correctly signed request and answers TwiML', async () => {
    const { handle, calls } = handler();
    const { req, res } = exchange(
      'POST',
      params,
      { 'X-Twilio-Signature': sign(`${BASE}/twilio/turn?silent=1`, params) },
      '/twilio/turn?silent=1',
    );
    await handle(req, res);
    expect(res.statusCode).toBe(200);
    expect(res.headers['Content-Type']).toBe('text/xml');
    expect(res.headers['Server-Timing']).toMatch(/^handler;dur=\d+\.\d{2}$/);
    expect(calls).toEqual([[{ CallSid: callSid(1), SpeechResult: 'fire' }, '1']]);
  });

  it.each([
    ['no signature', {}],
    [
      'a signature made with another token',
      {
        'X-Twilio-Signature': twilioWebhooks.getExpectedTwilioSignature(
          'other',
          `${BASE}/twilio/turn`,
          params,
        ),
      },
    ],
    ['a signature for another URL', { 'X-Twilio-Signature': sign(`${BASE}/twilio/voice`, params) }],
    [
      'a signature over other parameters',
      {
        'X-Twilio-Signature': sign(`${BASE}/twilio/turn`, { ...params, SpeechResult: 'all fine' }),
      },
    ],
  ])('rejects %s with 403 and runs nothing', async (_, headers) => {
    const { handle, calls } = handler();
    const { req, res } = exchange('POST', params, headers);
    await handle(req, res);
    expect(res.statusCode).toBe(403);
    expect(calls).toEqual([]);
  });

  it('rejects a signed but malformed body with 400, naming the fields', async () => {
    const { handle, calls } = handler();
    const bad = { CallSid: 'not-a-sid', SpeechResult: 'x'.repeat(5000) };
    const { req, res } = exchange('POST', bad, {
      'X-Twilio-Signature': sign(`${BASE}/twilio/turn`, bad),
    });
    await handle(req, res);
    expect(res.statusCode).toBe(400);
    expect(res.body).toBe('Malformed request: CallSid, SpeechResult');
    expect(calls).toEqual([]);
  });

  it('rejects other methods with 405', async () => {
    const { handle } = handler();
    const { req, res } = exchange('GET', {}, {});
    await handle(req, res);
    expect(res.statusCode).toBe(405);
  });

  it('answers 500 when the use case fails and there is no caller-facing fallback', async () => {
    const { handle } = handler(() => Promise.reject(new Error('boom')));
    const { req, res } = exchange('POST', params, {
      'X-Twilio-Signature': sign(`${BASE}/twilio/turn`, params),
    });
    await handle(req, res);
    expect(res.statusCode).toBe(500);
  });
});

describe('signedUrl', () => {
  it('is the public base URL, the public path and the query Twilio requested', () => {
    expect(signedUrl(BASE, '/twilio/turn', '/demo/us-central1/twilioTurn?silent=2')).toBe(
      `${BASE}/twilio/turn?silent=2`,
    );
    expect(signedUrl(BASE, '/twilio/voice', '/')).toBe(`${BASE}/twilio/voice`);
  });
});
