/**
 * A local stand-in for the parts of Twilio's REST API Aurora uses: updating an in-progress
 * call with new TwiML or hanging it up (admin actions), fetching a call's status (the
 * sweeper), sending a text (escalation) and placing a call (an undelivered text followed up by
 * phone). The functions reach it through the real twilio SDK (TWILIO_API_BASE_URL), so what
 * they would have sent Twilio is recorded here, and simulated calls fetch the updates meant for
 * them and play them to their caller.
 *
 * It refuses what Twilio refuses, with Twilio's codes:
 * - 401 / 20003 on bad credentials (https://www.twilio.com/docs/api/errors/20003);
 * - 404 / 20404 for a call it never had (https://www.twilio.com/docs/api/errors/20404);
 * - 400 / 21220 for an update to a call no longer in progress (https://www.twilio.com/docs/api/errors/21220);
 * - 400 / 32018 for TwiML over 4,000 characters in a call update (https://www.twilio.com/docs/api/errors/32018);
 * - 400 / 21211 for a bad `To`, 21603 without `From`, 21602 without `Body`, and 21658 for a
 *   `Body` over 1,600 characters (https://www.twilio.com/docs/api/errors/21658), and 21609 for a
 *   `StatusCallback` that is not a full URL (https://www.twilio.com/docs/api/errors/21609);
 * - for a new outbound call (https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource):
 *   400 / 21211 for a bad `To`, 21213 without `From` (https://www.twilio.com/docs/api/errors/21213),
 *   21200 without `Url` or `Twiml` (https://www.twilio.com/docs/api/errors/21200), and 32018
 *   for `Twiml` over 4,000 characters.
 *
 * It also holds the account's phone numbers (IncomingPhoneNumbers: list, filtered by
 * `PhoneNumber`, fetch and update, https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource),
 * which preflight reads and `--fix` configures, refusing an update as Twilio does:
 * - 400 / 21402 for a URL that is not a fully qualified http(s) URL (https://www.twilio.com/docs/api/errors/21402);
 * - 400 / 21403 for a method other than GET or POST (https://www.twilio.com/docs/api/errors/21403);
 * - 404 / 20404 for a number the account does not have.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { closeServer, listenLocally } from './local-server.ts';

export type CallUpdate = { twiml?: string; status?: string; at: number };

type LiveCall = {
  state: 'in-progress' | 'completed';
  updates: CallUpdate[];
  waiters: Array<() => void>;
};

/** Twilio's limits this stand-in holds the functions to (see the header). */
const MAX_UPDATE_TWIML_CHARS = 4000;
const MAX_BODY_CHARS = 1600;

const CALL_PATH = /^\/2010-04-01\/Accounts\/(AC\w+)\/Calls\/(CA\w+)\.json$/;
const CALLS_PATH = /^\/2010-04-01\/Accounts\/(AC\w+)\/Calls\.json$/;
const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/(AC\w+)\/Messages\.json$/;
const NUMBERS_PATH = /^\/2010-04-01\/Accounts\/(AC\w+)\/IncomingPhoneNumbers(?:\/(PN\w+))?\.json$/;

/** A phone number on the account, in Twilio's JSON field names (the SDK maps them to camelCase). */
export type IncomingNumber = {
  sid: string;
  phone_number: string;
  voice_url: string;
  voice_method: string;
  voice_fallback_url: string;
  voice_fallback_method: string;
  status_callback: string;
  status_callback_method: string;
  voice_application_sid: string;
  sms_url: string;
  sms_method: string;
  capabilities: { voice: boolean; sms: boolean; mms: boolean; fax: boolean };
};
/** The number's settings an update may change: URL fields, method fields, and the application that overrides them. */
const NUMBER_URLS = {
  VoiceUrl: 'voice_url',
  VoiceFallbackUrl: 'voice_fallback_url',
  StatusCallback: 'status_callback',
  SmsUrl: 'sms_url',
} as const;
const NUMBER_METHODS = {
  VoiceMethod: 'voice_method',
  VoiceFallbackMethod: 'voice_fallback_method',
  StatusCallbackMethod: 'status_callback_method',
  SmsMethod: 'sms_method',
} as const;

/** `statusCallback`: where Twilio would post the text's delivery status, when the request named one. */
export type SentMessage = {
  sid: string;
  to: string;
  from: string;
  body: string;
  at: number;
  statusCallback?: string;
};
/** An outbound call the functions placed (an announcement), with the TwiML it would play. */
export type PlacedCall = { sid: string; to: string; from: string; twiml: string; at: number };
const SIM_PATH = /^\/sim\/calls\/(CA\w+)(\/updates|\/end)?$/;

export class TwilioApiServer {
  readonly calls = new Map<string, LiveCall>();
  /** Every REST request the functions made, in order: what a real account would have received. */
  readonly requests: Array<{ callSid: string; params: Record<string, string> }> = [];
  /** Text messages the functions sent (the escalation SMS). */
  readonly messages: SentMessage[] = [];
  /** Outbound calls the functions placed (an on-call number phoned when its text did not arrive). */
  readonly placedCalls: PlacedCall[] = [];
  /** The account's phone numbers, by SID. */
  readonly numbers = new Map<string, IncomingNumber>();
  private server: Server | null = null;
  port = 0;
  private readonly account: { accountSid: string; authToken: string };

  constructor(account: { accountSid: string; authToken: string }) {
    this.account = account;
  }

  get baseUrl() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Gives the account a number, as buying one in the console would: no URLs configured yet. */
  addNumber(
    phoneNumber: string,
    capabilities: Partial<IncomingNumber['capabilities']> = {},
  ): IncomingNumber {
    const number: IncomingNumber = {
      sid: `PN${randomBytes(16).toString('hex')}`,
      phone_number: phoneNumber,
      voice_url: '',
      voice_method: 'POST',
      voice_fallback_url: '',
      voice_fallback_method: 'POST',
      status_callback: '',
      status_callback_method: 'POST',
      voice_application_sid: '',
      sms_url: '',
      sms_method: 'POST',
      capabilities: { voice: true, sms: true, mms: false, fax: false, ...capabilities },
    };
    this.numbers.set(number.sid, number);
    return number;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on(
        'end',
        () =>
          void this.route(req, res, body).catch((err: unknown) =>
            json(res, 500, { message: String(err) }),
          ),
      );
    });
    this.port = await listenLocally(this.server, port);
    return this;
  }

  async stop() {
    for (const call of this.calls.values()) for (const wake of call.waiters.splice(0)) wake();
    await closeServer(this.server);
  }

  private async route(req: IncomingMessage, res: ServerResponse, body: string) {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const rest = CALL_PATH.exec(url.pathname);
    if (rest && req.method === 'POST')
      return this.updateCall(req, res, rest[1]!, rest[2]!, new URLSearchParams(body));
    if (rest && req.method === 'GET') return this.fetchCall(req, res, rest[1]!, rest[2]!);
    const numbers = NUMBERS_PATH.exec(url.pathname);
    if (numbers)
      return this.phoneNumbers(req, res, url, numbers[1]!, numbers[2], new URLSearchParams(body));
    const create = CALLS_PATH.exec(url.pathname);
    if (create && req.method === 'POST')
      return this.createCall(req, res, create[1]!, new URLSearchParams(body));
    const messages = MESSAGES_PATH.exec(url.pathname);
    if (messages && req.method === 'POST')
      return this.sendMessage(req, res, messages[1]!, new URLSearchParams(body));
    if (url.pathname === '/sim/messages' && req.method === 'GET')
      return json(res, 200, { messages: this.messages });
    const sim = SIM_PATH.exec(url.pathname);
    if (!sim)
      return json(res, 404, {
        code: 20404,
        message: 'The requested resource was not found',
        status: 404,
      });
    const [, callSid, action] = sim as unknown as [string, string, string | undefined];
    if (!action && req.method === 'PUT') {
      this.calls.set(callSid, { state: 'in-progress', updates: [], waiters: [] });
      return json(res, 201, {});
    }
    const call = this.calls.get(callSid);
    if (!call) return json(res, 404, { message: 'unknown call' });
    if (action === '/end' && req.method === 'POST') {
      call.state = 'completed';
      return json(res, 200, {});
    }
    if (action === '/updates' && req.method === 'GET') {
      const after = Number(url.searchParams.get('after') ?? 0);
      const waitMs = Math.min(Number(url.searchParams.get('waitMs') ?? 0), 30_000);
      if (call.updates.length <= after && waitMs > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, waitMs);
          call.waiters.push(() => (clearTimeout(timer), resolve()));
        });
      }
      return json(res, 200, { updates: call.updates.slice(after), next: call.updates.length });
    }
    return json(res, 405, { message: 'method not allowed' });
  }

  private authorized(req: IncomingMessage, res: ServerResponse, accountSid: string): boolean {
    const expected = `Basic ${Buffer.from(`${this.account.accountSid}:${this.account.authToken}`).toString('base64')}`;
    if (accountSid === this.account.accountSid && req.headers.authorization === expected)
      return true;
    json(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
    return false;
  }

  /** Twilio's "send a message": recorded, as a phone would receive it. */
  private sendMessage(
    req: IncomingMessage,
    res: ServerResponse,
    accountSid: string,
    params: URLSearchParams,
  ) {
    if (!this.authorized(req, res, accountSid)) return;
    const [to, from, body] = ['To', 'From', 'Body'].map((k) => params.get(k) ?? '');
    if (!/^\+\d{7,15}$/.test(to))
      return json(res, 400, {
        code: 21211,
        message: `The 'To' number ${to} is not a valid phone number.`,
        status: 400,
      });
    if (!from)
      return json(res, 400, {
        code: 21603,
        message: "A 'From' phone number is required.",
        status: 400,
      });
    if (!body)
      return json(res, 400, { code: 21602, message: 'Message body is required.', status: 400 });
    if (body.length > MAX_BODY_CHARS)
      return json(res, 400, {
        code: 21658,
        message: 'Parameter exceeded character limit',
        status: 400,
      });
    const statusCallback = params.get('StatusCallback') ?? undefined;
    if (statusCallback !== undefined && !isFullUrl(statusCallback))
      return json(res, 400, {
        code: 21609,
        message: `Invalid StatusCallback: ${statusCallback}`,
        status: 400,
      });
    const message = {
      sid: `SM${randomBytes(16).toString('hex')}`,
      to,
      from,
      body,
      at: Date.now(),
      ...(statusCallback ? { statusCallback } : {}),
    };
    this.messages.push(message);
    return json(res, 201, {
      sid: message.sid,
      account_sid: accountSid,
      to,
      from,
      body,
      status: 'queued',
    });
  }

  /** Twilio's "create a call" with inline TwiML: recorded, as the phone called would hear it. */
  private createCall(
    req: IncomingMessage,
    res: ServerResponse,
    accountSid: string,
    params: URLSearchParams,
  ) {
    if (!this.authorized(req, res, accountSid)) return;
    const [to, from, twiml] = ['To', 'From', 'Twiml'].map((k) => params.get(k) ?? '');
    if (!/^\+\d{7,15}$/.test(to))
      return json(res, 400, {
        code: 21211,
        message: `Invalid 'To' Phone Number: ${to}`,
        status: 400,
      });
    if (!from)
      return json(res, 400, {
        code: 21213,
        message: "'From' phone number is required",
        status: 400,
      });
    if (!twiml && !params.get('Url'))
      return json(res, 400, { code: 21200, message: 'Url or Twiml is required', status: 400 });
    if (twiml.length > MAX_UPDATE_TWIML_CHARS)
      return json(res, 400, {
        code: 32018,
        message: 'Twiml size exceeded maximum allowed value of 4000 characters',
        status: 400,
      });
    const call = { sid: `CA${randomBytes(16).toString('hex')}`, to, from, twiml, at: Date.now() };
    this.placedCalls.push(call);
    return json(res, 201, {
      sid: call.sid,
      account_sid: accountSid,
      to,
      from,
      status: 'queued',
      direction: 'outbound-api',
    });
  }

  /** IncomingPhoneNumbers: the list (one page, as a small account has), fetch and update. */
  private phoneNumbers(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    accountSid: string,
    sid: string | undefined,
    params: URLSearchParams,
  ) {
    if (!this.authorized(req, res, accountSid)) return;
    const base = `/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers`;
    const view = (n: IncomingNumber) => ({
      ...n,
      account_sid: accountSid,
      api_version: '2010-04-01',
      uri: `${base}/${n.sid}.json`,
    });
    if (!sid && req.method === 'GET') {
      // PhoneNumber matches partial numbers, '*' standing for any digit (the list's documented filter).
      const filter = url.searchParams.get('PhoneNumber');
      const pattern = filter
        ? new RegExp(filter.replace(/[^\d*]/g, '').replace(/\*/g, '\\d'))
        : null;
      const found = [...this.numbers.values()].filter(
        (n) => !pattern || pattern.test(n.phone_number.replace(/\D/g, '')),
      );
      const pageSize = Number(url.searchParams.get('PageSize') ?? 50);
      const first = `${base}.json?PageSize=${pageSize}&Page=0`;
      return json(res, 200, {
        incoming_phone_numbers: found.map(view),
        page: 0,
        page_size: pageSize,
        start: 0,
        end: Math.max(found.length - 1, 0),
        uri: first,
        first_page_uri: first,
        next_page_uri: null,
        previous_page_uri: null,
      });
    }
    const number = sid ? this.numbers.get(sid) : undefined;
    if (!number)
      return json(res, 404, {
        code: 20404,
        message: `The requested resource ${base}/${sid ?? ''}.json was not found`,
        status: 404,
      });
    if (req.method === 'GET') return json(res, 200, view(number));
    if (req.method !== 'POST') return json(res, 405, { message: 'method not allowed' });
    // Validate everything before changing anything: a refused update changes nothing.
    for (const [param] of Object.entries(NUMBER_URLS)) {
      const value = params.get(param);
      if (value && !isFullUrl(value))
        return json(res, 400, {
          code: 21402,
          message: `${param} is not valid: ${value}`,
          status: 400,
        });
    }
    for (const [param] of Object.entries(NUMBER_METHODS)) {
      const value = params.get(param);
      if (value !== null && !['GET', 'POST'].includes(value.toUpperCase()))
        return json(res, 400, {
          code: 21403,
          message: `${param} must be GET or POST`,
          status: 400,
        });
    }
    for (const [param, field] of Object.entries(NUMBER_URLS))
      if (params.has(param)) number[field] = params.get(param)!;
    for (const [param, field] of Object.entries(NUMBER_METHODS))
      if (params.has(param)) number[field] = params.get(param)!.toUpperCase();
    if (params.has('VoiceApplicationSid'))
      number.voice_application_sid = params.get('VoiceApplicationSid')!;
    return json(res, 200, view(number));
  }

  /** Twilio's "fetch a call": its status, as the sweeper asks before ending a call that looks idle. */
  private fetchCall(
    req: IncomingMessage,
    res: ServerResponse,
    accountSid: string,
    callSid: string,
  ) {
    if (!this.authorized(req, res, accountSid)) return;
    const call = this.calls.get(callSid);
    if (!call)
      return json(res, 404, {
        code: 20404,
        message: `The requested resource /Calls/${callSid}.json was not found`,
        status: 404,
      });
    return json(res, 200, { sid: callSid, account_sid: accountSid, status: call.state });
  }

  /** Twilio's "update a call": TwiML replaces what the call is doing; Status=completed hangs up. */
  private updateCall(
    req: IncomingMessage,
    res: ServerResponse,
    accountSid: string,
    callSid: string,
    params: URLSearchParams,
  ) {
    if (!this.authorized(req, res, accountSid)) return;
    this.requests.push({ callSid, params: Object.fromEntries(params) });
    const call = this.calls.get(callSid);
    if (!call)
      return json(res, 404, {
        code: 20404,
        message: `The requested resource /Calls/${callSid}.json was not found`,
        status: 404,
      });
    if (call.state !== 'in-progress') {
      return json(res, 400, {
        code: 21220,
        message: 'Call is not in-progress. Cannot redirect.',
        status: 400,
      });
    }
    const twiml = params.get('Twiml') ?? undefined;
    const status = params.get('Status') ?? undefined;
    if (twiml && twiml.length > MAX_UPDATE_TWIML_CHARS) {
      return json(res, 400, {
        code: 32018,
        message: 'Twiml size exceeded maximum allowed value of 4000 characters',
        status: 400,
      });
    }
    if (!twiml && status !== 'completed')
      return json(res, 400, {
        code: 21201,
        message: 'Twiml, Url or Status is required',
        status: 400,
      });
    call.updates.push({ twiml, status, at: Date.now() });
    if (status === 'completed') call.state = 'completed';
    for (const wake of call.waiters.splice(0)) wake();
    return json(res, 200, { sid: callSid, account_sid: accountSid, status: call.state });
  }
}

/** A fully qualified http(s) URL with a host, as Twilio requires of a number's webhooks. */
function isFullUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
