/** Demo data for the local stack: the worker registry. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Firestore } from 'firebase-admin/firestore';
import { ROOT } from './stack.ts';

export type SeedWorker = { phone: string; worker_id: string; name: string; site: string; zone: string };

export function demoWorkers(): SeedWorker[] {
  return JSON.parse(readFileSync(join(ROOT, 'scripts', 'seed', 'workers.json'), 'utf8')) as SeedWorker[];
}

export async function seedWorkers(firestore: Firestore): Promise<number> {
  const batch = firestore.batch();
  const workers = demoWorkers();
  for (const { phone, ...worker } of workers) batch.set(firestore.collection('workers').doc(phone), worker);
  await batch.commit();
  return workers.length;
}
