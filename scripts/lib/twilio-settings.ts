/**
 * How the Twilio stand-in updates a resource's webhook settings (a phone number's, a TwiML App's),
 * as Twilio does: every URL must be a fully qualified http(s) URL (21402,
 * https://www.twilio.com/docs/api/errors/21402) and every method GET or POST (21403,
 * https://www.twilio.com/docs/api/errors/21403), all checked before anything changes, so a
 * refused update changes nothing.
 */
import { isFullUrl } from './twilio-calls.ts';

/** Twilio's error body for a refused update. */
export type SettingsRefusal = { code: 21402 | 21403; message: string; status: 400 };

/**
 * Applies the request's URL and method parameters (`urls` and `methods` map Twilio's parameter
 * names to the resource's JSON fields) to `target`, or answers why not without changing it.
 */
export function updateWebhookSettings(
  params: URLSearchParams,
  urls: Record<string, string>,
  methods: Record<string, string>,
  target: Record<string, unknown>,
): SettingsRefusal | null {
  for (const param of Object.keys(urls)) {
    const value = params.get(param);
    if (value && !isFullUrl(value))
      return { code: 21402, message: `${param} is not valid: ${value}`, status: 400 };
  }
  for (const param of Object.keys(methods)) {
    const value = params.get(param);
    if (value !== null && !['GET', 'POST'].includes(value.toUpperCase()))
      return { code: 21403, message: `${param} must be GET or POST`, status: 400 };
  }
  for (const [param, field] of Object.entries(urls))
    if (params.has(param)) target[field] = params.get(param)!;
  for (const [param, field] of Object.entries(methods))
    if (params.has(param)) target[field] = params.get(param)!.toUpperCase();
  return null;
}
