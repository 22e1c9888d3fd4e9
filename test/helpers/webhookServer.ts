/**
 * A tiny local HTTP server standing for Aurora's functions in the Twilio stand-in's tests: it
 * records every webhook (path, query, form fields, whether Twilio's signature holds for the
 * URL it was posted to) and answers each path with TwiML the test sets (default an empty
 * <Response/>), or with an HTTP error.
 */
import { createServer, type Server } from 'node:http';
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import { closeServer, listenLocally } from '../../scripts/lib/local-server.ts';

export type Received = {
  path: string;
  query: Record<string, string>;
  params: Record<string, string>;
  signed: boolean;
};
type Answer = (received: Received) => string | number;

export class WebhookServer {
  readonly received: Received[] = [];
  private readonly answers = new Map<string, Answer>();
  private readonly authToken: string;
  private server: Server | null = null;
  port = 0;

  constructor(authToken: string) {
    this.authToken = authToken;
  }

  get baseUrl() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Answers posts to `path` with this TwiML (or HTTP status); `<Response/>` otherwise. */
  answer(path: string, answer: string | number | Answer) {
    this.answers.set(path, typeof answer === 'function' ? answer : () => answer);
  }

  /** What was posted to `path` (and, if given, with this event in `field`). */
  to(path: string, field?: string, value?: string): Received[] {
    return this.received.filter(
      (r) => r.path === path && (field === undefined || r.params[field] === value),
    );
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', this.baseUrl);
        const params = Object.fromEntries(new URLSearchParams(body));
        const signature = String(req.headers['x-twilio-signature'] ?? '');
        const received: Received = {
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          params,
          signed: validateRequest(this.authToken, signature, url.href, params),
        };
        this.received.push(received);
        const answer = this.answers.get(url.pathname)?.(received) ?? '<Response/>';
        if (typeof answer === 'number') res.writeHead(answer).end();
        else res.writeHead(200, { 'Content-Type': 'text/xml' }).end(answer);
      });
    });
    this.port = await listenLocally(this.server, 0);
    return this;
  }

  stop() {
    return closeServer(this.server);
  }
}
