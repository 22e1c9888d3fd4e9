/**
 * The Twilio REST stand-in's resources for the Voice JavaScript SDK (scripts/lib/twilio-api.ts
 * routes to them): the account's API keys, which sign the dashboard's voice tokens, and its
 * TwiML Apps, whose Voice URL Twilio asks when a supervisor's browser connects. Preflight reads
 * both, `--fix` sets the App's Voice URL, and the local stack creates one of each.
 *
 * With Twilio's paths, field names and paging (2010-04-01 lists page with `page` and
 * `next_page_uri`, https://www.twilio.com/docs/usage/twilios-response#pagination):
 * - Keys, fetch and list (https://www.twilio.com/docs/iam/api-keys/key-resource-v2010): a key's
 *   secret is shown only when it is created, so a fetch never returns it;
 * - Applications, fetch, list (filtered by `FriendlyName`, an exact match) and update
 *   (https://www.twilio.com/docs/usage/api/applications).
 * It refuses as Twilio does:
 * - 401 / 20003 on bad credentials (the stand-in's own check, https://www.twilio.com/docs/api/errors/20003);
 * - 404 / 20404 for a key or an application the account does not have (https://www.twilio.com/docs/api/errors/20404);
 * - 400 / 21402 for a URL that is not a fully qualified http(s) URL (https://www.twilio.com/docs/api/errors/21402)
 *   and 400 / 21403 for a method other than GET or POST (https://www.twilio.com/docs/api/errors/21403):
 *   Twilio documents both for a phone number's handlers, which an Application's mirror; a
 *   refused update changes nothing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { updateWebhookSettings } from './twilio-settings.ts';

/** An API key: `secret` is what signs tokens; the REST API never shows it after creation. */
export type ApiKey = { sid: string; friendly_name: string; secret: string; date_created: string };

/** A TwiML App, in Twilio's JSON field names (the SDK maps them to camelCase). */
export type TwimlApp = {
  sid: string;
  friendly_name: string;
  voice_url: string;
  voice_method: string;
  voice_fallback_url: string;
  voice_fallback_method: string;
  status_callback: string;
  status_callback_method: string;
  sms_url: string;
  sms_method: string;
  date_created: string;
  date_updated: string;
};

const KEYS_PATH = /^\/2010-04-01\/Accounts\/(AC\w+)\/Keys(?:\/(SK\w+))?\.json$/;
const APPS_PATH = /^\/2010-04-01\/Accounts\/(AC\w+)\/Applications(?:\/(AP\w+))?\.json$/;

/** The Application's settings an update may change, by request parameter. */
const APP_URLS = {
  VoiceUrl: 'voice_url',
  VoiceFallbackUrl: 'voice_fallback_url',
  StatusCallback: 'status_callback',
  SmsUrl: 'sms_url',
} as const;
const APP_METHODS = {
  VoiceMethod: 'voice_method',
  VoiceFallbackMethod: 'voice_fallback_method',
  StatusCallbackMethod: 'status_callback_method',
  SmsMethod: 'sms_method',
} as const;

/** Twilio's date format in 2010-04-01 resources (RFC 2822). */
const rfc2822 = (date = new Date()) => date.toUTCString().replace('GMT', '+0000');
const newSid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

export class VoiceSdkResources {
  readonly keys = new Map<string, ApiKey>();
  readonly applications = new Map<string, TwimlApp>();

  /** An API key, as creating one in the console would (its SID and secret may be fixed, as the local stack's are). */
  addKey(options: { sid?: string; secret?: string; friendlyName?: string } = {}): ApiKey {
    const key = {
      sid: options.sid ?? newSid('SK'),
      friendly_name: options.friendlyName ?? 'Aurora voice tokens',
      secret: options.secret ?? randomBytes(16).toString('hex'),
      date_created: rfc2822(),
    };
    this.keys.set(key.sid, key);
    return key;
  }

  /** A TwiML App, as creating one in the console would: no URLs unless given. */
  addApplication(fields: Partial<TwimlApp> = {}): TwimlApp {
    const now = rfc2822();
    const app: TwimlApp = {
      sid: newSid('AP'),
      friendly_name: 'Aurora dashboard voice',
      voice_url: '',
      voice_method: 'POST',
      voice_fallback_url: '',
      voice_fallback_method: 'POST',
      status_callback: '',
      status_callback_method: 'POST',
      sms_url: '',
      sms_method: 'POST',
      date_created: now,
      date_updated: now,
      ...fields,
    };
    this.applications.set(app.sid, app);
    return app;
  }

  /**
   * Answers a request for Keys or Applications and returns true; false when the path is
   * neither. `authorized` checks the account's credentials, answering 401 itself when they fail.
   */
  route(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    body: string,
    authorized: (accountSid: string) => boolean,
  ): boolean {
    const keys = KEYS_PATH.exec(url.pathname);
    const apps = APPS_PATH.exec(url.pathname);
    if (!keys && !apps) return false;
    const [, accountSid, sid] = (keys ?? apps)!;
    if (!authorized(accountSid!)) return true;
    if (keys) this.keysRoute(req, res, url, accountSid!, sid);
    else this.appsRoute(req, res, url, accountSid!, sid, new URLSearchParams(body));
    return true;
  }

  private keysRoute(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    accountSid: string,
    sid: string | undefined,
  ) {
    if (req.method !== 'GET') return json(res, 405, { message: 'method not allowed' });
    const list = `/2010-04-01/Accounts/${accountSid}/Keys.json`;
    const view = ({ sid, friendly_name, date_created }: ApiKey) => ({
      sid,
      friendly_name,
      date_created,
      date_updated: date_created,
    });
    if (!sid)
      return json(
        res,
        200,
        page(list, 'keys', [...this.keys.values()].map(view), url.searchParams),
      );
    const key = this.keys.get(sid);
    if (!key) return notFound(res, `/2010-04-01/Accounts/${accountSid}/Keys/${sid}.json`);
    return json(res, 200, view(key));
  }

  private appsRoute(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    accountSid: string,
    sid: string | undefined,
    params: URLSearchParams,
  ) {
    const base = `/2010-04-01/Accounts/${accountSid}/Applications`;
    const view = (a: TwimlApp) => ({
      ...a,
      account_sid: accountSid,
      api_version: '2010-04-01',
      voice_caller_id_lookup: false,
      sms_fallback_url: '',
      sms_fallback_method: 'POST',
      sms_status_callback: '',
      message_status_callback: '',
      public_application_connect_enabled: false,
      uri: `${base}/${a.sid}.json`,
    });
    if (!sid) {
      if (req.method !== 'GET') return json(res, 405, { message: 'method not allowed' });
      const name = url.searchParams.get('FriendlyName');
      const found = [...this.applications.values()].filter(
        (a) => name === null || a.friendly_name === name,
      );
      return json(
        res,
        200,
        page(`${base}.json`, 'applications', found.map(view), url.searchParams),
      );
    }
    const app = this.applications.get(sid);
    if (!app) return notFound(res, `${base}/${sid}.json`);
    if (req.method === 'GET') return json(res, 200, view(app));
    if (req.method !== 'POST') return json(res, 405, { message: 'method not allowed' });
    // Everything is checked before anything changes: a refused update changes nothing.
    const refused = updateWebhookSettings(params, APP_URLS, APP_METHODS, app);
    if (refused) return json(res, 400, refused);
    if (params.has('FriendlyName')) app.friendly_name = params.get('FriendlyName')!;
    app.date_updated = rfc2822();
    return json(res, 200, view(app));
  }
}

/** One page of a 2010-04-01 list: `PageSize` (default 50) and `Page`, the next page's path in `next_page_uri`. */
function page<T>(listUri: string, key: string, items: T[], q: URLSearchParams) {
  const size = Math.max(1, Math.min(Number(q.get('PageSize') ?? 50) || 50, 1000));
  const at = Math.max(0, Number(q.get('Page') ?? 0) || 0);
  const uri = (p: number) => `${listUri}?PageSize=${size}&Page=${p}`;
  const slice = items.slice(at * size, (at + 1) * size);
  return {
    [key]: slice,
    page: at,
    page_size: size,
    start: at * size,
    end: at * size + Math.max(slice.length - 1, 0),
    uri: uri(at),
    first_page_uri: uri(0),
    next_page_uri: (at + 1) * size < items.length ? uri(at + 1) : null,
    previous_page_uri: at > 0 ? uri(at - 1) : null,
  };
}

function notFound(res: ServerResponse, path: string) {
  json(res, 404, {
    code: 20404,
    message: `The requested resource ${path} was not found`,
    status: 404,
  });
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
