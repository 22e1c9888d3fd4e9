import type { Request } from 'firebase-functions/v2/https';
import type { Response } from 'express';
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import type { z } from 'zod';
import type { Deps } from '../ports';
import type { Timings } from '../core/log';
import { FirstAnswer } from '../core/firstAnswer';

export type Webhook<S extends z.ZodType> = {
  /** The public path Twilio posts to; with the base URL it is what Twilio signed. */
  path: string;
  schema: S;
  /** What the query string must hold (our own URLs name what a callback is about); else a 400, like a malformed body. */
  query?: z.ZodType;
  run: (
    body: z.infer<S>,
    deps: Deps,
    query: URLSearchParams,
    timings: Timings,
    request: TwilioRequest,
  ) => Promise<string>;
  /** TwiML for the caller when `run` throws (the query names the call our own URLs are about); without it the error is a 500. */
  onFailure?: (deps: Deps, query?: URLSearchParams) => string;
  /**
   * Answer within this many ms of the request's arrival whatever `run` is waiting on (a slow
   * database and a slow model together), with `fallback`'s TwiML if it is not done by then.
   */
  answerWithin?: {
    ms: number;
    fallback: (
      body: z.infer<S>,
      deps: Deps,
      query: URLSearchParams,
      request: TwilioRequest,
    ) => string;
  };
};

/** What a use case may need of the request beyond its body and query. */
export type TwilioRequest = {
  /** Twilio's I-Twilio-Idempotency-Token: the same when Twilio sends a request again. */
  idempotencyToken?: string;
  /** When the answer must be ready (performance.now() time), counted from the request's arrival. */
  deadline?: number;
  /** The one answer the caller hears: settled by `run` or by the deadline's fallback, whichever is first. */
  answer: FirstAnswer;
};

/** A Server-Timing header, so benchmarks can read the handler's own time off the response. */
export function serverTiming(timings: Timings): string {
  return Object.entries(timings)
    .map(([name, ms]) => `${name};dur=${ms.toFixed(2)}`)
    .join(', ');
}

/**
 * `work`'s result, or `fallback`'s if `work` is not done by `deadline` (performance.now() time).
 * The work goes on; what it records still lands, but the caller is not kept waiting for it.
 */
async function answerBy(
  work: Promise<string>,
  deadline: number,
  fallback: () => string,
): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(fallback()), Math.max(0, deadline - performance.now()));
  });
  work.catch(() => {}); // a failure after the deadline has nothing left to answer
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** The parsed form body, or nothing if the body was not a form (it then fails validation). */
function formParams(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Buffer.isBuffer(body)
    ? (body as Record<string, unknown>)
    : {};
}

/** The URL Twilio signed: the configured public base URL, the path, and the query string. */
export function signedUrl(baseUrl: string, path: string, originalUrl: string): string {
  const query = originalUrl.includes('?') ? originalUrl.slice(originalUrl.indexOf('?')) : '';
  return `${baseUrl}${path}${query}`;
}

/**
 * A Twilio webhook handler: POST only, X-Twilio-Signature checked (403, nothing written),
 * body validated (400), then the use case; its TwiML goes back as text/xml.
 */
export function twilioWebhook<S extends z.ZodType>(
  webhook: Webhook<S>,
  authToken: () => string,
  makeDeps: () => Deps,
) {
  return async (req: Request, res: Response): Promise<void> => {
    const started = performance.now();
    if (req.method !== 'POST') {
      res.status(405).set('Allow', 'POST').send('Method Not Allowed');
      return;
    }
    const deps = makeDeps();
    const params = formParams(req.body);
    const url = signedUrl(deps.settings.publicBaseUrl, webhook.path, req.originalUrl ?? req.url);
    const signature = req.get('X-Twilio-Signature');
    if (!signature || !validateRequest(authToken(), signature, url, params)) {
      deps.log.warn('rejected a webhook with a missing or invalid Twilio signature', {
        path: webhook.path,
      });
      res.status(403).send('Invalid Twilio signature');
      return;
    }
    const body = webhook.schema.safeParse(params);
    if (!body.success) {
      const fields = body.error.issues.map((issue) => issue.path.join('.') || '(body)');
      deps.log.warn('rejected a malformed webhook body', { path: webhook.path, fields });
      res.status(400).send(`Malformed request: ${fields.join(', ')}`);
      return;
    }
    const query = new URL(url).searchParams;
    const wanted = webhook.query?.safeParse(Object.fromEntries(query));
    if (wanted && !wanted.success) {
      const fields = wanted.error.issues.map((issue) => `query.${issue.path.join('.')}`);
      deps.log.warn('rejected a webhook with a malformed query', { path: webhook.path, fields });
      res.status(400).send(`Malformed request: ${fields.join(', ')}`);
      return;
    }
    const timings: Timings = {};
    try {
      const token = req.get('I-Twilio-Idempotency-Token');
      const limit = webhook.answerWithin;
      const request: TwilioRequest = {
        idempotencyToken: token && token.length <= 200 ? token : undefined,
        deadline: limit && started + limit.ms,
        answer: new FirstAnswer(),
      };
      const work = webhook.run(body.data, deps, query, timings, request);
      const twiml = limit
        ? await answerBy(work, started + limit.ms, () => {
            deps.log.error('webhook ran out of time: answered without waiting', {
              path: webhook.path,
              ms: limit.ms,
            });
            return limit.fallback(body.data, deps, query, request);
          })
        : await work;
      res.set('Server-Timing', serverTiming({ handler: performance.now() - started, ...timings }));
      res.status(200).type('text/xml').send(twiml);
    } catch (err) {
      deps.log.error('webhook failed', { path: webhook.path, error: String(err) });
      if (webhook.onFailure) res.status(200).type('text/xml').send(webhook.onFailure(deps, query));
      else res.status(500).send('Internal error');
    }
  };
}
