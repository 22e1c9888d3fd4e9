/** firestore.rules, enforced by the official Firestore emulator. */
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestEnvironment,
} from '@firebase/rules-unit-testing';
import { readFileSync } from 'node:fs';
import { setLogLevel } from 'firebase/firestore';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { PORTS, PROJECT_ID } from '../../scripts/lib/project.ts';

let env: RulesTestEnvironment;

beforeAll(async () => {
  setLogLevel('silent'); // denied writes are the point here, not news
  env = await initializeTestEnvironment({
    projectId: PROJECT_ID,
    firestore: {
      host: '127.0.0.1',
      port: PORTS.firestore,
      rules: readFileSync('firestore.rules', 'utf8'),
    },
  });
  await env.withSecurityRulesDisabled(async (ctx) => {
    const fs = ctx.firestore();
    await fs.doc('calls/call_rules_1').set({
      urgency: 'CRITICAL',
      status: 'COMPLETE',
      admin_id: null,
      final_action: null,
      admin_notes: '',
    });
    await fs
      .doc('conversations/conv_rules_1')
      .set({ call_id: 'call_rules_1', messages: [], total_messages: 0 });
    await fs.doc('conversations/conv_rules_1/message_pages/0000').set({ index: 0, messages: [] });
    await fs.doc('admins/admin-1').set({ email: 'admin@example.com' });
  });
});

afterAll(async () => {
  await env?.cleanup();
});

const admin = () => env.authenticatedContext('admin-1', { admin: true }).firestore();
const user = () => env.authenticatedContext('user-1', {}).firestore();
/** The claim is still in their token, but the admin script has removed them from the directory. */
const revoked = () => env.authenticatedContext('admin-2', { admin: true }).firestore();
const forged = () => env.authenticatedContext('user-2', { admin: 'true' }).firestore();
const anonymous = () => env.unauthenticatedContext().firestore();

const readable = [
  'calls/call_rules_1',
  'conversations/conv_rules_1',
  'conversations/conv_rules_1/message_pages/0000',
  'workers/+15550100001',
  'procedures/fire',
];

describe('firestore.rules', () => {
  it('keeps out an admin removed from the directory, though their token still carries the claim', async () => {
    for (const path of readable) await assertFails(revoked().doc(path).get());
    await assertFails(revoked().doc('calls/call_rules_1').update({ admin_notes: 'x' }));
    await assertSucceeds(admin().doc('admins/admin-1').get());
    await assertFails(admin().doc('admins/admin-2').get());
  });

  it('lets admins read the archive, the worker registry and the procedures', async () => {
    for (const path of readable) await assertSucceeds(admin().doc(path).get());
    await assertSucceeds(admin().collection('calls').get());
  });

  it('keeps everyone else out', async () => {
    for (const client of [anonymous, user, forged]) {
      for (const path of readable) await assertFails(client().doc(path).get());
      await assertFails(client().collection('calls').get());
    }
  });

  it('lets admins write the final action and their notes on an archived call', async () => {
    await assertSucceeds(
      admin()
        .doc('calls/call_rules_1')
        .update({ admin_notes: 'Checked the site.', final_action: 'Supervisor handled' }),
    );
    await assertSucceeds(admin().doc('calls/call_rules_1').update({ final_action: null }));
    await assertSucceeds(admin().doc('calls/call_rules_1').update({ admin_notes: '' }));
  });

  it('refuses admins every other write, and notes of the wrong shape', async () => {
    const call = () => admin().doc('calls/call_rules_1');
    await assertFails(call().update({ urgency: 'NORMAL' }));
    await assertFails(call().update({ admin_notes: 'x', admin_id: 'someone-else' }));
    await assertFails(call().update({ admin_notes: 42 }));
    await assertFails(call().update({ admin_notes: 'x'.repeat(5001) }));
    await assertFails(call().update({ final_action: 'x'.repeat(201) }));
    await assertFails(call().update({ final_action: ['a list'] }));
    await assertFails(call().delete());
    await assertFails(admin().doc('calls/new_call').set({ admin_notes: 'x' }));
    await assertFails(admin().doc('conversations/conv_rules_1').update({ total_messages: 0 }));
    await assertFails(admin().doc('conversations/conv_rules_1/message_pages/0000').delete());
    await assertFails(admin().doc('workers/+15550000000').set({ worker_id: 'w' }));
    await assertFails(admin().doc('procedures/fire').update({ guidance: 'Stay put.' }));
  });

  it('lets no other client write anything, notes included', async () => {
    for (const client of [anonymous, user, forged]) {
      await assertFails(client().doc('calls/call_rules_1').update({ admin_notes: 'x' }));
      await assertFails(client().doc('calls/new_call').set({ status: 'COMPLETE' }));
      await assertFails(client().doc('conversations/conv_rules_1').delete());
      await assertFails(client().doc('workers/+15550000000').set({ worker_id: 'w' }));
      await assertFails(client().doc('procedures/fire').update({ guidance: 'Stay put.' }));
    }
  });

  it('denies collections the rules do not name', async () => {
    await assertFails(admin().doc('secrets/anything').get());
  });
});
