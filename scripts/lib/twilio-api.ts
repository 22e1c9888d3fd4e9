/**
 * A local stand-in for the parts of Twilio's REST API Aurora uses: updating an in-progress
 * call with new TwiML or hanging it up (admin actions), fetching a call's status (the
 * sweeper), sending a text (escalation) and placing a call (an undelivered text followed up by
 * phone). The functions reach it through the real twilio SDK (TWILIO_API_BASE_URL), so what
 * they would have sent Twilio is recorded here, and simulated calls fetch the updates meant for
 * them and play them to their caller. Calls the functions place are played here too: the called
 * phone rings, answers (or is busy, unanswered, failed, as `network.phones` says) and runs its
 * TwiML, with the conferences, participants and real-time transcriptions of issue 24
 * (twilio-calls.ts carries the calls; twilio-api-conferences.ts answers the Conferences and
 * Participants resources and the /sim endpoints that play the people on the calls).
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
 *   21200 without `Url` or `Twiml` (https://www.twilio.com/docs/api/errors/21200), 32018
 *   for `Twiml` over 4,000 characters, 21609 for a `StatusCallback` that is not a full URL, and
 *   21626 for a `StatusCallbackEvent` other than initiated, ringing, answered, completed
 *   (https://www.twilio.com/docs/api/errors/21626).
 *
 * It also holds the account's phone numbers (IncomingPhoneNumbers: list, filtered by
 * `PhoneNumber`, fetch and update, https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource),
 * which preflight reads and `--fix` configures, refusing an update as Twilio does:
 * - 400 / 21402 for a URL that is not a fully qualified http(s) URL (https://www.twilio.com/docs/api/errors/21402);
 * - 400 / 21403 for a method other than GET or POST (https://www.twilio.com/docs/api/errors/21403);
 * - 404 / 20404 for a number the account does not have.
 *
 * And what preflight asks about delivery to the on-call numbers, with Twilio's field names and
 * paging (v2010 lists page with `page`/`next_page_uri`, v1 lists with `meta.next_page_url`,
 * https://www.twilio.com/docs/usage/twilios-response#pagination):
 * - the account (`type` Trial or Full, `status`; https://www.twilio.com/docs/iam/api/account);
 * - verified caller IDs (OutgoingCallerIds, filtered by `PhoneNumber`;
 *   https://www.twilio.com/docs/voice/api/outgoing-caller-ids);
 * - Messaging Services (https://www.twilio.com/docs/messaging/api/service-resource), their
 *   PhoneNumbers (https://www.twilio.com/docs/messaging/api/phonenumber-resource) and A2P 10DLC
 *   campaigns (Compliance/Usa2p, https://www.twilio.com/docs/messaging/api/usapptoperson-resource);
 * - voice dialing permissions by country, 404 / 20404 for an unknown ISO code
 *   (https://www.twilio.com/docs/voice/api/dialingpermissions-country-resource);
 * - SMS geographic permissions (Accounts v1 Messaging/GeoPermissions?CountryCode=; its fields as
 *   twilio-node describes them, https://www.twilio.com/docs/api/errors/30649);
 * - Lookup v2's basic lookup (country, validity; https://www.twilio.com/docs/lookup/v2-api).
 * A new account here is a full, active one, permitted to call and text the US and Canada only
 * (what a US account starts with), with no Messaging Service and no verified caller ID.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { closeServer, listenLocally } from './local-server.ts';
import { VoiceSdkResources } from './twilio-api-voice.ts';
import { updateWebhookSettings } from './twilio-settings.ts';
import { routeConferences, routeSim } from './twilio-api-conferences.ts';
import {
  CALL_EVENTS,
  CallNetwork,
  callDuration,
  eventSet,
  isFullUrl,
  isLive,
  type Leg,
} from './twilio-calls.ts';

export type { CallUpdate, ConferenceNotice, PhoneBehaviour } from './twilio-calls.ts';

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
/**
 * An outbound call the functions placed (an announcement, a supervisor's or on-call person's
 * phone leg), with the TwiML it plays and how it asked to hear back.
 */
export type PlacedCall = {
  sid: string;
  to: string;
  from: string;
  twiml: string;
  at: number;
  statusCallback?: string;
  statusCallbackEvent?: string[];
  timeout?: number;
  timeLimit?: number;
};
const ACCOUNT_PATH = /^\/2010-04-01\/Accounts\/(AC\w+)\.json$/;
const CALLER_IDS_PATH = /^\/2010-04-01\/Accounts\/(AC\w+)\/OutgoingCallerIds\.json$/;
const SERVICES_PATH = /^\/v1\/Services(?:\/(MG\w+)\/(PhoneNumbers|Compliance\/Usa2p))?$/;
const DIALING_PATH = /^\/v1\/DialingPermissions\/Countries\/([^/]+)$/;
const LOOKUP_PATH = /^\/v2\/PhoneNumbers\/([^/]+)$/;

/** A Messaging Service: its numbers (SIDs of the account's numbers) and its campaigns' statuses. */
export type MessagingService = {
  sid: string;
  friendly_name: string;
  numbers: string[];
  campaigns: string[];
};

/** Calling codes the stand-in's Lookup knows (+1 is the US unless `lookupCountries` says otherwise). */
const CALLING_CODES: Record<string, string> = {
  '1': 'US',
  '44': 'GB',
  '49': 'DE',
  '33': 'FR',
  '353': 'IE',
  '31': 'NL',
  '32': 'BE',
  '34': 'ES',
  '39': 'IT',
  '41': 'CH',
  '43': 'AT',
  '45': 'DK',
  '46': 'SE',
  '47': 'NO',
  '48': 'PL',
  '351': 'PT',
  '61': 'AU',
  '64': 'NZ',
};

export class TwilioApiServer {
  /** The calls, conferences and transcriptions the stand-in carries (twilio-calls.ts). */
  readonly network: CallNetwork;
  /** Every call it knows, by CallSid: simulated callers' and those the functions placed. */
  readonly calls: Map<string, Leg>;
  /** Every REST request the functions made, in order: what a real account would have received. */
  readonly requests: Array<{ callSid: string; params: Record<string, string> }> = [];
  /** Text messages the functions sent (the escalation SMS). */
  readonly messages: SentMessage[] = [];
  /** Outbound calls the functions placed (an on-call number phoned when its text did not arrive). */
  readonly placedCalls: PlacedCall[] = [];
  /** The account's phone numbers, by SID. */
  readonly numbers = new Map<string, IncomingNumber>();
  /** The Accounts resource's `type` and `status`. */
  account: { type: 'Trial' | 'Full'; status: 'active' | 'suspended' | 'closed' } = {
    type: 'Full',
    status: 'active',
  };
  /** Numbers verified as caller IDs (what a trial account may text and call). */
  readonly verifiedCallerIds = new Set<string>();
  /** Messaging Services, by SID. */
  readonly messagingServices = new Map<string, MessagingService>();
  /** Countries (ISO codes) low-risk voice calls and texts may go to. */
  readonly voiceCountries = new Set(['US', 'CA']);
  readonly smsCountries = new Set(['US', 'CA']);
  /** Lookup's answer for numbers whose calling code alone does not tell (+1 in Canada). */
  readonly lookupCountries = new Map<string, string>();
  /** The Voice SDK's API keys and TwiML Apps (twilio-api-voice.ts). */
  readonly voiceSdk = new VoiceSdkResources();
  private readonly credentials: { accountSid: string; authToken: string };
  private server: Server | null = null;
  port = 0;

  /**
   * `publicBaseUrl` is the base URL Twilio is configured with (PUBLIC_BASE_URL): a browser's
   * connect asks {publicBaseUrl}/twilio/browser unless a TwiML App names its Voice URL.
   * `ringMs`: how long a phone the functions call rings.
   */
  constructor(
    account: { accountSid: string; authToken: string },
    options: { publicBaseUrl?: string; webhookBaseUrl?: string; ringMs?: number } = {},
  ) {
    this.credentials = account;
    this.network = new CallNetwork({ ...account, ...options });
    this.calls = this.network.calls;
  }

  /** The Voice URL a browser's connect goes to: the named TwiML App's, the only one with a Voice URL, or {publicBaseUrl}/twilio/browser. */
  private browserVoiceUrl(applicationSid?: string) {
    const apps = [...this.voiceSdk.applications.values()].filter((a) => a.voice_url);
    const app = applicationSid
      ? this.voiceSdk.applications.get(applicationSid)
      : apps.length === 1
        ? apps[0]
        : undefined;
    if (app?.voice_url) return { url: app.voice_url, applicationSid: app.sid };
    const base = this.network.publicBaseUrl;
    return { url: base ? `${base}/twilio/browser` : '', applicationSid: app?.sid ?? '' };
  }

  /** A Messaging Service holding these numbers of the account, with campaigns in these statuses (VERIFIED, IN_PROGRESS, FAILED…). */
  addMessagingService(
    name: string,
    phoneNumbers: string[],
    campaigns: string[] = [],
  ): MessagingService {
    const numbers = phoneNumbers.map((phone) => {
      const number = [...this.numbers.values()].find((n) => n.phone_number === phone);
      if (!number) throw new Error(`${phone} is not a number on the account`);
      return number.sid;
    });
    const service = {
      sid: `MG${randomBytes(16).toString('hex')}`,
      friendly_name: name,
      numbers,
      campaigns,
    };
    this.messagingServices.set(service.sid, service);
    return service;
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
    this.network.stop();
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
    if (req.method === 'GET') {
      const answered = this.deliveryRoute(req, res, url);
      if (answered) return;
    }
    if (this.voiceSdk.route(req, res, url, body, (sid) => this.authorized(req, res, sid))) return;
    if (
      routeConferences(this.network, req, res, url, body, (sid) => this.authorized(req, res, sid))
    )
      return;
    const simulated = (applicationSid?: string) => this.browserVoiceUrl(applicationSid);
    if (await routeSim(this.network, req, res, url, body, simulated)) return;
    return json(res, 404, {
      code: 20404,
      message: 'The requested resource was not found',
      status: 404,
    });
  }

  private authorized(req: IncomingMessage, res: ServerResponse, accountSid: string): boolean {
    const expected = `Basic ${Buffer.from(`${this.credentials.accountSid}:${this.credentials.authToken}`).toString('base64')}`;
    if (accountSid === this.credentials.accountSid && req.headers.authorization === expected)
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

  /**
   * Twilio's "create a call": recorded, then played by the network: the called phone rings,
   * answers or not, runs the TwiML and posts the status callbacks asked for.
   */
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
    const statusCallback = params.get('StatusCallback') ?? undefined;
    if (statusCallback !== undefined && !isFullUrl(statusCallback))
      return json(res, 400, {
        code: 21609,
        message: `Invalid StatusCallback: ${statusCallback}`,
        status: 400,
      });
    const events = eventSet(params.getAll('StatusCallbackEvent'));
    const unknown = [...events].filter((e) => !(CALL_EVENTS as readonly string[]).includes(e));
    if (unknown.length > 0)
      return json(res, 400, {
        code: 21626,
        message: `Invalid StatusCallbackEvent: ${unknown.join(' ')}`,
        status: 400,
      });
    const seconds = (name: string) => Number(params.get(name)) || undefined;
    const leg = this.network.placeCall({
      to,
      from,
      ...(twiml ? { twiml } : { url: params.get('Url')! }),
      statusCallback,
      events,
      timeLimitSeconds: seconds('TimeLimit'),
    });
    this.placedCalls.push({
      sid: leg.sid,
      to,
      from,
      twiml,
      at: leg.createdAt,
      ...(statusCallback ? { statusCallback, statusCallbackEvent: [...events] } : {}),
      ...(seconds('Timeout') ? { timeout: seconds('Timeout') } : {}),
      ...(seconds('TimeLimit') ? { timeLimit: seconds('TimeLimit') } : {}),
    });
    return json(res, 201, callView(accountSid, leg));
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
    const refused = updateWebhookSettings(params, NUMBER_URLS, NUMBER_METHODS, number);
    if (refused) return json(res, 400, refused);
    if (params.has('VoiceApplicationSid'))
      number.voice_application_sid = params.get('VoiceApplicationSid')!;
    return json(res, 200, view(number));
  }

  /** What preflight asks about delivery (see the header); false when the path is none of them. */
  private deliveryRoute(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const path = url.pathname;
    const q = url.searchParams;
    const account = ACCOUNT_PATH.exec(path);
    if (account) {
      if (!this.authorized(req, res, account[1]!)) return true;
      json(res, 200, {
        sid: account[1],
        friendly_name: 'My first Twilio account',
        owner_account_sid: account[1],
        type: this.account.type,
        status: this.account.status,
        uri: `/2010-04-01/Accounts/${account[1]}.json`,
      });
      return true;
    }
    const callerIds = CALLER_IDS_PATH.exec(path);
    if (callerIds) {
      const sid = callerIds[1]!;
      if (!this.authorized(req, res, sid)) return true;
      const filter = q.get('PhoneNumber');
      const found = [...this.verifiedCallerIds]
        .filter((n) => !filter || n === filter)
        .map((n, i) => ({
          sid: `PN${i.toString(16).padStart(32, '0')}`,
          account_sid: sid,
          phone_number: n,
          friendly_name: n,
        }));
      json(
        res,
        200,
        v2010Page(
          `/2010-04-01/Accounts/${sid}/OutgoingCallerIds.json`,
          'outgoing_caller_ids',
          found,
          q,
        ),
      );
      return true;
    }
    const lookup = LOOKUP_PATH.exec(path);
    const dialing = DIALING_PATH.exec(path);
    const services = SERVICES_PATH.exec(path);
    const geo = path === '/v1/Messaging/GeoPermissions';
    if (!lookup && !dialing && !services && !geo) return false;
    if (!this.authorized(req, res, this.credentials.accountSid)) return true;
    if (lookup) {
      const phone = decodeURIComponent(lookup[1]!);
      const digits = /^\+(\d{7,15})$/.exec(phone)?.[1];
      const code = digits
        ? [3, 2, 1].map((k) => digits.slice(0, k)).find((c) => CALLING_CODES[c])
        : undefined;
      const country =
        (digits && this.lookupCountries.get(phone)) ?? (code ? CALLING_CODES[code]! : null);
      json(res, 200, {
        calling_country_code: code ?? null,
        country_code: country,
        phone_number: phone,
        national_format: null,
        valid: country !== null,
        validation_errors: country !== null ? [] : ['INVALID_BUT_POSSIBLE'],
        url: `https://lookups.twilio.com/v2/PhoneNumbers/${encodeURIComponent(phone)}`,
      });
      return true;
    }
    if (dialing) {
      const iso = dialing[1]!;
      if (!/^[A-Z]{2}$/.test(iso))
        json(res, 404, {
          code: 20404,
          message: `The requested resource ${path} was not found`,
          status: 404,
        });
      else
        json(res, 200, {
          iso_code: iso,
          name: iso,
          continent: null,
          country_codes: Object.keys(CALLING_CODES)
            .filter((c) => CALLING_CODES[c] === iso)
            .map((c) => `+${c}`),
          low_risk_numbers_enabled: this.voiceCountries.has(iso),
          high_risk_special_numbers_enabled: false,
          high_risk_tollfraud_numbers_enabled: false,
          url: `https://voice.twilio.com/v1/DialingPermissions/Countries/${iso}`,
          links: {},
        });
      return true;
    }
    if (geo) {
      const only = q.get('CountryCode');
      const countries = only ? [only] : [...this.smsCountries];
      json(res, 200, {
        permissions: countries.map((c) => ({
          country_code: c,
          type: 'country',
          enabled: this.smsCountries.has(c),
        })),
      });
      return true;
    }
    const [, serviceSid, sub] = services!;
    if (!serviceSid) {
      const all = [...this.messagingServices.values()].map((m) => ({
        sid: m.sid,
        account_sid: this.credentials.accountSid,
        friendly_name: m.friendly_name,
        us_app_to_person_registered: m.campaigns.includes('VERIFIED'),
        url: `https://messaging.twilio.com/v1/Services/${m.sid}`,
      }));
      json(res, 200, v1Page('https://messaging.twilio.com/v1/Services', 'services', all, q));
      return true;
    }
    const service = this.messagingServices.get(serviceSid);
    if (!service) {
      json(res, 404, {
        code: 20404,
        message: `The requested resource ${path} was not found`,
        status: 404,
      });
      return true;
    }
    const base = `https://messaging.twilio.com/v1/Services/${serviceSid}`;
    if (sub === 'PhoneNumbers') {
      const numbers = service.numbers.flatMap((sid) => {
        const n = this.numbers.get(sid);
        return n
          ? [
              {
                sid,
                service_sid: serviceSid,
                phone_number: n.phone_number,
                country_code: 'US',
                capabilities: ['SMS', 'Voice'],
                url: `${base}/PhoneNumbers/${sid}`,
              },
            ]
          : [];
      });
      json(res, 200, v1Page(`${base}/PhoneNumbers`, 'phone_numbers', numbers, q));
      return true;
    }
    const campaigns = service.campaigns.map((status, i) => ({
      sid: `QE${i.toString(16).padStart(32, '0')}`,
      messaging_service_sid: serviceSid,
      campaign_status: status,
      campaign_id: `CMP${i}`,
      url: `${base}/Compliance/Usa2p/QE${i.toString(16).padStart(32, '0')}`,
    }));
    json(res, 200, v1Page(`${base}/Compliance/Usa2p`, 'compliance', campaigns, q));
    return true;
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
    return json(res, 200, callView(accountSid, call));
  }

  /**
   * Twilio's "update a call": TwiML replaces what the call is doing; Status=completed hangs up,
   * Status=canceled ends a call not yet answered.
   */
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
    if (!isLive(call)) {
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
    if (!twiml && status !== 'completed' && status !== 'canceled')
      return json(res, 400, {
        code: 21201,
        message: 'Twiml, Url or Status is required',
        status: 400,
      });
    const ends = status === 'completed' || status === 'canceled' ? status : undefined;
    this.network.update(call, { twiml, status: ends });
    return json(res, 200, callView(accountSid, call));
  }
}

/** A call in the 2010-04-01 JSON field names (the SDK maps them to camelCase). */
function callView(accountSid: string, call: Leg) {
  return {
    sid: call.sid,
    account_sid: accountSid,
    to: call.to,
    from: call.from,
    status: call.state,
    direction: call.direction,
    duration: call.endedAt ? String(callDuration(call)) : null,
    api_version: '2010-04-01',
    uri: `/2010-04-01/Accounts/${accountSid}/Calls/${call.sid}.json`,
  };
}

/** One page of a v1 list: `PageSize` (default 50) and `Page`, the next page's absolute URL in `meta`. */
function v1Page<T>(listUrl: string, key: string, items: T[], q: URLSearchParams) {
  const size = Math.max(1, Math.min(Number(q.get('PageSize') ?? 50) || 50, 1000));
  const page = Math.max(0, Number(q.get('Page') ?? 0) || 0);
  const at = (p: number) => `${listUrl}?PageSize=${size}&Page=${p}`;
  const more = (page + 1) * size < items.length;
  return {
    [key]: items.slice(page * size, (page + 1) * size),
    meta: {
      page,
      page_size: size,
      first_page_url: at(0),
      previous_page_url: page > 0 ? at(page - 1) : null,
      url: at(page),
      next_page_url: more ? at(page + 1) : null,
      key,
    },
  };
}

/** One page of a 2010-04-01 list: `PageSize` and `Page`, the next page's path in `next_page_uri`. */
function v2010Page<T>(listUri: string, key: string, items: T[], q: URLSearchParams) {
  const size = Math.max(1, Math.min(Number(q.get('PageSize') ?? 50) || 50, 1000));
  const page = Math.max(0, Number(q.get('Page') ?? 0) || 0);
  const at = (p: number) => `${listUri}?PageSize=${size}&Page=${p}`;
  const slice = items.slice(page * size, (page + 1) * size);
  return {
    [key]: slice,
    page,
    page_size: size,
    start: page * size,
    end: page * size + Math.max(slice.length - 1, 0),
    uri: at(page),
    first_page_uri: at(0),
    next_page_uri: (page + 1) * size < items.length ? at(page + 1) : null,
    previous_page_uri: page > 0 ? at(page - 1) : null,
  };
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
