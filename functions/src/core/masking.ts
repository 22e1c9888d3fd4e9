import { createHash } from 'node:crypto';

/** A phone number safe for logs: only its last four digits. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.length <= 4 ? '***' : `***${digits.slice(-4)}`;
}

/**
 * A call or conversation id as logs and task names carry it. The seed's ids hold the caller's
 * whole number (call_{digits}_{date}_{time}), so they are replaced by a short hash of the id:
 * the same id always gives the same reference (log lines and tasks of one call can be joined),
 * and the number cannot be read back from it.
 */
export const idRef = (id: string) => `${id.startsWith('conv_') ? 'conv' : 'call'}_${createHash('sha256').update(id).digest('hex').slice(0, 12)}`;

/** Call and conversation ids (call_…, conv_… with digits) anywhere in a string. */
const IDS = /\b(?:call|conv)_[0-9][A-Za-z0-9_]*/g;
/** Phone numbers: E.164, or a bare run of 7 to 15 digits standing on its own. */
const PHONES = /\+\d{6,15}\b|\b\d{7,15}\b/g;

/** A string with every call id replaced by its reference and every phone number masked. */
export const redact = (text: string) => text.replace(IDS, idRef).replace(PHONES, maskPhone);

/** `value` with every string in it (keys included) redacted, for a log line's data. */
export function redactDeep(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map(redactDeep);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), redactDeep(v)]));
  return value;
}
