/**
 * Admin SDK clients and a call simulator pointed at the local stack the integration setup
 * started. Importing this changes nothing: the clients (and the emulator hosts in the
 * environment) come with the first testClients().
 */
import { archiveCall } from '../../functions/src/calls/archival';
import { controlCall } from '../../functions/src/calls/controlCall';
import { getDatabase } from 'firebase-admin/database';
import { getFirestore } from 'firebase-admin/firestore';
import { LOCAL_DEFAULTS, PORTS, localAdminApp } from '../../scripts/lib/project.ts';
import { SimulatedCall } from '../../scripts/lib/twilio-sim.ts';
import { firestoreArchive } from '../../functions/src/adapters/archiveStore';
import { realtimeLiveDb } from '../../functions/src/adapters/liveDb';
import { firestoreWorkers } from '../../functions/src/adapters/workers';
import type { Deps } from '../../functions/src/ports';
import { memoryDeps } from './fakes';

/** The tests' Admin SDK app on the local stack and its database clients, created on first use. */
export function testClients() {
  const app = localAdminApp('tests');
  return { app, db: getDatabase(app), firestore: getFirestore(app) };
}

export const SIM = {
  baseUrl: LOCAL_DEFAULTS.publicBaseUrl,
  authToken: LOCAL_DEFAULTS.twilioAuthToken,
  twilioApi: `http://127.0.0.1:${PORTS.twilioApi}`,
};

export const newCall = (from = '+15550100001') => new SimulatedCall({ ...SIM, from });

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const liveCallIdFor = async (callSid: string) =>
  (await testClients().db.ref(`call_sids/${callSid}`).get()).val() as string | null;

let callers = 0;
/**
 * A caller number (behind `prefix`) and a CallSid no other test uses, so tests that drive the
 * use cases directly never share records.
 */
export function freshCaller(prefix: string) {
  callers++;
  return {
    from: `${prefix}${String(Date.now() % 1e6).padStart(6, '0')}${callers}`,
    callSid: `CA${(Date.now() * 100 + callers).toString(16).padStart(32, '0')}`,
  };
}

/** A simulated call that has rung and been answered, with the id Aurora gave it. */
export async function ringing(from?: string) {
  const call = newCall(from);
  await call.ring();
  return { call, callId: (await liveCallIdFor(call.callSid))! };
}

/**
 * A supervisor acknowledges the call, as the dashboard's Acknowledge does (the callControl use
 * case, over this stack's database and archive). An ended CRITICAL call nobody acknowledged stays
 * live, alarming, until someone does; acknowledged, it is archived again and purged here.
 */
export async function acknowledge(callId: string) {
  const { deps, queue } = realDeps();
  const result = await controlCall({ action: 'ack', callId }, { id: 'ana@site.example' }, deps);
  if (queue.drain().length === 0) return result; // acknowledged while live: its end archives it as usual
  // The stack's own archive task may be writing the same documents: retried as Cloud Tasks would.
  for (let attempt = 1; ; attempt++) {
    try {
      await archiveCall({ callId }, deps);
      await queue.runAll(deps);
      return result;
    } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 1000 * attempt));
    }
  }
}

/** Resolves once the call is archived in Firestore and gone from the Realtime Database. */
export async function archivedAndPurged(callId: string, conversationId: string) {
  const { db, firestore } = testClients();
  // Generous: a retried task waits out the queue's backoff, and CI's two cores are shared.
  return eventually(
    `archive and purge of ${callId}`,
    async () => {
      const [call, conversation, liveCall, liveConversation] = await Promise.all([
        firestore.collection('calls').doc(callId).get(),
        firestore.collection('conversations').doc(conversationId).get(),
        db.ref(`active_calls/${callId}`).get(),
        db.ref(`active_conversations/${conversationId}`).get(),
      ]);
      if (!call.exists || !conversation.exists || liveCall.exists() || liveConversation.exists())
        return undefined;
      return { call: call.data()!, conversation: conversation.data()! };
    },
    45_000,
  );
}

/** The use cases' deps over the real adapters (this stack's RTDB and Firestore); an in-memory queue. */
export function realDeps(overrides: Partial<Deps> = {}, clockStart = new Date().toISOString()) {
  const { db, firestore } = testClients();
  const { deps, queue, clock } = memoryDeps(
    {
      live: realtimeLiveDb(db),
      archive: firestoreArchive(firestore),
      workers: firestoreWorkers(firestore),
      ...overrides,
    },
    clockStart,
  );
  return { deps, queue, clock };
}
