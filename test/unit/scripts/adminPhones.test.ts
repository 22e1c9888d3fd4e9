/** The admin script's pure parts for supervisors' phones: what a phone must look like, which command takes which flag, and the list. */
import { describe, expect, it } from 'vitest';
import {
  DEMO_ADMIN,
  formatAdminList,
  phoneFromCommandLine,
  phoneProblem,
} from '../../../scripts/lib/admins.ts';

describe('a supervisor’s phone', () => {
  it('is E.164, as Twilio dials it', () => {
    for (const good of ['+15551234567', '+447700900123', DEMO_ADMIN.phone])
      expect(phoneProblem(good)).toBeNull();
    for (const bad of ['5551234567', '+1 555 123 4567', '+1-555-123-4567', '+0551234567', '+1', ''])
      expect(phoneProblem(bad)).toBe(
        `${bad} is not an E.164 number: +, the country code and the number, digits only (like +15551234567)`,
      );
  });
});

describe('phoneFromCommandLine', () => {
  const flags = (o: { number?: string; phone?: string; clear?: boolean }) => ({
    clear: false,
    ...o,
  });

  it('grant: --phone sets a number, its absence keeps the one there is', () => {
    expect(phoneFromCommandLine('grant', flags({ phone: '+15551234567' }))).toEqual({
      ok: true,
      phone: '+15551234567',
    });
    expect(phoneFromCommandLine('grant', flags({}))).toEqual({ ok: true, phone: undefined });
    expect(phoneFromCommandLine('grant', flags({ phone: '555' }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^555 is not an E\.164 number/),
    });
    expect(phoneFromCommandLine('grant', flags({ clear: true }))).toEqual({
      ok: false,
      error: '--clear is for phone <email> --clear',
    });
  });

  it('phone: a number or --clear, exactly one', () => {
    expect(phoneFromCommandLine('phone', flags({ number: '+15551234567' }))).toEqual({
      ok: true,
      phone: '+15551234567',
    });
    expect(phoneFromCommandLine('phone', flags({ clear: true }))).toEqual({
      ok: true,
      phone: null,
    });
    expect(phoneFromCommandLine('phone', flags({}))).toEqual({
      ok: false,
      error: 'phone needs <number> or --clear',
    });
    expect(phoneFromCommandLine('phone', flags({ number: '+15551234567', clear: true }))).toEqual({
      ok: false,
      error: 'phone takes a <number> or --clear, not both',
    });
    expect(phoneFromCommandLine('phone', flags({ phone: '+15551234567' }))).toEqual({
      ok: false,
      error: 'phone takes the number after the email, not --phone',
    });
    expect(phoneFromCommandLine('phone', flags({ number: 'tel:5551234567' }))).toMatchObject({
      ok: false,
    });
  });

  it('no other command takes either flag', () => {
    expect(phoneFromCommandLine('list', flags({}))).toEqual({ ok: true, phone: undefined });
    expect(phoneFromCommandLine('revoke', flags({ phone: '+15551234567' }))).toEqual({
      ok: false,
      error: 'revoke takes neither --phone nor --clear',
    });
    expect(phoneFromCommandLine('import workers', flags({ clear: true }))).toEqual({
      ok: false,
      error: 'import workers takes neither --phone nor --clear',
    });
  });
});

describe('formatAdminList', () => {
  it('shows each admin with the phone Call me rings, or that there is none', () => {
    const directory = {
      u1: { email: 'ana@site.example', phone: '+15551234567' },
      u2: { email: 'bo@site.example' },
    };
    expect(
      formatAdminList(
        ['ana@site.example', 'bo@site.example', 'cy@x'],
        directory,
        'the local emulators',
      ),
    ).toBe(
      [
        'ana@site.example  +15551234567',
        'bo@site.example   (no phone: Call me cannot ring them)',
        'cy@x              (no phone: Call me cannot ring them)',
      ].join('\n'),
    );
    expect(formatAdminList([], directory, 'project my-plant')).toBe(
      'no admins on project my-plant',
    );
  });
});
