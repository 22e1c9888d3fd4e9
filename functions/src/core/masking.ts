import { idRef } from '@aurora/model/tasks';

/** A phone number safe for logs: only its last four digits. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.length <= 4 ? '***' : `***${digits.slice(-4)}`;
}

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
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), redactDeep(v)]));
  return value;
}
