/**
 * How the local Twilio stand-in (twilio-calls.ts) posts its webhooks: signed as Twilio signs
 * them (https://www.twilio.com/docs/usage/webhooks/webhooks-security), each stream of callbacks
 * (a call's status, a conference's events, a transcription's) in order, given up after Twilio's
 * 15 s (https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides), retried only
 * where Twilio documents retries; and whether anything is still under way (idle), so a test or
 * a /sim request can wait for what it started.
 */
import { postSigned, type TwimlTurn } from './twilio-sim.ts';

/** One webhook posted, with its answer's HTTP status (0: no answer). */
export type WebhookRecord = {
  url: string;
  params: Record<string, string>;
  status: number;
  at: number;
};

/** How long Twilio waits for a webhook's answer before giving up on it. */
const WEBHOOK_TIMEOUT_MS = 15_000;

export class Webhooks {
  /** Every webhook posted, in order. */
  readonly records: WebhookRecord[] = [];
  /** Stopped with the server: nothing more is posted. */
  stopped = false;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly target: { baseUrl: string; publicBaseUrl: string; authToken: string };

  /**
   * Posts go to the URLs Twilio is given; those under `publicBaseUrl` go to `webhookBaseUrl`
   * instead when given, as a tunnel would deliver them (signed for the public URL all the same).
   */
  constructor(options: { authToken: string; publicBaseUrl?: string; webhookBaseUrl?: string }) {
    const publicBaseUrl = options.publicBaseUrl ?? '';
    this.target = {
      baseUrl: options.webhookBaseUrl ?? publicBaseUrl,
      publicBaseUrl,
      authToken: options.authToken,
    };
  }

  stop() {
    this.stopped = true;
  }

  /** Resolves once nothing tracked (a delivery, a phone ringing) is under way. */
  async idle(): Promise<void> {
    // Twice quiet in a row: work that ends often starts the next step a tick later.
    for (let quiet = 0; quiet < 2;) {
      if (this.pending.size > 0) {
        quiet = 0;
        await Promise.allSettled([...this.pending]);
      } else {
        quiet++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }

  /** Counts `work` as under way until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work)).catch(() => {});
    return work;
  }

  /**
   * Posts behind `after` (the stream's previous post), retrying up to `retries` times on a 5xx,
   * 408, 425, 429 or no answer; resolves when done, which the stream's next post waits for.
   */
  deliver(
    after: Promise<void>,
    url: string,
    params: Record<string, string>,
    retries = 0,
  ): Promise<void> {
    const done = after.then(async () => {
      for (let attempt = 0; ; attempt++) {
        const turn = await this.post(url, params);
        const status = turn?.status ?? 0;
        const retryable = status === 0 || status >= 500 || [408, 425, 429].includes(status);
        if (!retryable || attempt >= retries) return;
      }
    });
    void this.track(done);
    return done;
  }

  /** One signed post; its answer, or null when there was none (unreachable, too slow, stopped). */
  async post(url: string, params: Record<string, string>): Promise<TwimlTurn | null> {
    if (this.stopped) return null;
    const record: WebhookRecord = { url, params, status: 0, at: Date.now() };
    this.records.push(record);
    try {
      const turn = await postSigned({ ...this.target, timeoutMs: WEBHOOK_TIMEOUT_MS }, url, params);
      record.status = turn.status;
      return turn;
    } catch {
      return null;
    }
  }
}
