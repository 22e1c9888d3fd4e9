/** The procedure library over the official Firestore emulator. */
import { describe, expect, it } from 'vitest';
import { DEMO_PROCEDURES } from '../../functions/src/assistant/procedures';
import { firestoreProcedures } from '../../functions/src/adapters/procedures';
import { silentLog } from '../helpers/fixtures';
import { testClients } from '../helpers/stack';

const { firestore } = testClients();

describe('firestoreProcedures', () => {
  it('reads the seeded procedures, skips malformed ones, and serves them from its cache', async () => {
    await firestore.collection('procedures').doc('zz-broken').set({ title: 'No keywords here' });
    let now = 0;
    const library = firestoreProcedures(firestore, silentLog, () => now);
    const procedures = await library.all();
    expect(procedures.map((p) => p.id).sort()).toEqual(DEMO_PROCEDURES.map((p) => p.id).sort());

    await firestore
      .collection('procedures')
      .doc('forklift')
      .set({
        title: 'Forklift Incident (EP-12)',
        urgency: 'URGENT',
        keywords: ['forklift'],
        guidance: 'Stop the truck, lower the forks and keep people clear.',
      });
    expect(await library.all()).toBe(procedures); // within five minutes: the cached set
    now += 5 * 60_000;
    expect((await library.all()).map((p) => p.id)).toContain('forklift');

    await firestore.collection('procedures').doc('zz-broken').delete();
    await firestore.collection('procedures').doc('forklift').delete();
  });
});
