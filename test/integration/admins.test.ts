/** The admin claim script's library against the Auth emulator. */
import { getAuth } from 'firebase-admin/auth';
import { describe, expect, it } from 'vitest';
import {
  adminDirectory,
  formatAdminList,
  grantAdmin,
  listAdmins,
  revokeAdmin,
  setAdminPhone,
} from '../../scripts/lib/admins.ts';
import { testClients } from '../helpers/stack';

const { app, db, firestore } = testClients();

const auth = getAuth(app);
const accounts = { auth, db, firestore };

describe('granting and revoking the admin claim', () => {
  it('creates a missing account when given a password, and keeps other claims', async () => {
    const uid = await grantAdmin(accounts, 'dana@aurora.local', 'dana-password-1');
    await auth.setCustomUserClaims(uid, { admin: true, site: 'north' });
    expect((await auth.getUser(uid)).customClaims).toEqual({ admin: true, site: 'north' });
    expect(await listAdmins(auth)).toContain('dana@aurora.local');
    expect((await db.ref(`admins/${uid}`).get()).val()).toEqual({ email: 'dana@aurora.local' });
    expect((await firestore.collection('admins').doc(uid).get()).data()).toEqual({
      email: 'dana@aurora.local',
    });

    await revokeAdmin(accounts, 'dana@aurora.local');
    const user = await auth.getUser(uid);
    expect(user.customClaims).toEqual({ site: 'north' });
    expect(user.tokensValidAfterTime).toBeDefined();
    expect(await listAdmins(auth)).not.toContain('dana@aurora.local');
    expect((await db.ref(`admins/${uid}`).get()).exists()).toBe(false);
    expect((await firestore.collection('admins').doc(uid).get()).exists).toBe(false);

    expect(await grantAdmin(accounts, 'dana@aurora.local')).toBe(uid);
    expect((await auth.getUser(uid)).customClaims).toEqual({ site: 'north', admin: true });
  });

  it('refuses an unknown account without a password', async () => {
    await expect(grantAdmin(accounts, 'nobody@aurora.local')).rejects.toMatchObject({
      code: 'auth/user-not-found',
    });
    await expect(revokeAdmin(accounts, 'nobody@aurora.local')).rejects.toMatchObject({
      code: 'auth/user-not-found',
    });
  });
});

describe('a supervisor’s phone (what "Call me" rings)', () => {
  it('is stored by grant --phone in the Realtime Database only, kept by a later grant, changed and cleared, and only for an admin', async () => {
    const uid = await grantAdmin(accounts, 'erin@aurora.local', 'erin-password-1', '+15551234567');
    expect((await db.ref(`admins/${uid}`).get()).val()).toEqual({
      email: 'erin@aurora.local',
      phone: '+15551234567',
    });
    // Firestore's copy (what firestore.rules read) never holds it.
    expect((await firestore.collection('admins').doc(uid).get()).data()).toEqual({
      email: 'erin@aurora.local',
    });
    await grantAdmin(accounts, 'erin@aurora.local');
    expect((await db.ref(`admins/${uid}/phone`).get()).val()).toBe('+15551234567');

    expect(await setAdminPhone(accounts, 'erin@aurora.local', '+15557654321')).toBe('set');
    expect(formatAdminList(await listAdmins(auth), await adminDirectory(db), 'here')).toMatch(
      /^erin@aurora\.local +\+15557654321$/m,
    );
    expect(await setAdminPhone(accounts, 'erin@aurora.local', null)).toBe('set');
    expect((await db.ref(`admins/${uid}`).get()).val()).toEqual({ email: 'erin@aurora.local' });

    // A revoked admin is not given back a directory entry by a phone.
    await revokeAdmin(accounts, 'erin@aurora.local');
    expect(await setAdminPhone(accounts, 'erin@aurora.local', '+15551234567')).toBe('not an admin');
    expect((await db.ref(`admins/${uid}`).get()).exists()).toBe(false);
  });
});
