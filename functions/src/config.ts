import { defineInt, defineSecret, defineString } from 'firebase-functions/params';
import type { Settings } from './calls/deps';

/** Params and secrets, declared once; read inside handlers only. */
export const TWILIO_AUTH_TOKEN = defineSecret('TWILIO_AUTH_TOKEN');

export const PUBLIC_BASE_URL = defineString('PUBLIC_BASE_URL', {
  description: 'The public origin Twilio is configured with (https://your-host); webhook signatures are checked against it.',
});

export const SITE_TIME_ZONE = defineString('SITE_TIME_ZONE', {
  default: 'Asia/Kolkata',
  description: 'IANA time zone of the site: call ids and timestamps use its wall clock and UTC offset.',
});

export const STALE_CALL_MINUTES = defineInt('STALE_CALL_MINUTES', {
  default: 30,
  description: 'An ACTIVE call with no message and no status callback for this long is ended and archived.',
});

export const ARCHIVE_STALL_MINUTES = defineInt('ARCHIVE_STALL_MINUTES', {
  default: 5,
  description: 'An ENDED call still in the Realtime Database this long after ending has its archival re-driven.',
});

export function readSettings(): Settings {
  return {
    publicBaseUrl: PUBLIC_BASE_URL.value().replace(/\/+$/, ''),
    timeZone: SITE_TIME_ZONE.value(),
    staleCallMinutes: STALE_CALL_MINUTES.value(),
    archiveStallMinutes: ARCHIVE_STALL_MINUTES.value(),
    archiveDeadlineMs: 20_000,
  };
}
