/** Demo data for the local stack: the worker registry and the site's emergency procedures. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Firestore } from 'firebase-admin/firestore';
import { ROOT } from './project.ts';

/** `language` (optional): what the worker is greeted, heard and answered in. */
export type SeedWorker = {
  phone: string;
  worker_id: string;
  name: string;
  site: string;
  zone: string;
  language?: string;
};

export function demoWorkers(): SeedWorker[] {
  return JSON.parse(
    readFileSync(join(ROOT, 'scripts', 'seed', 'workers.json'), 'utf8'),
  ) as SeedWorker[];
}

export async function seedWorkers(firestore: Firestore): Promise<number> {
  const batch = firestore.batch();
  const workers = demoWorkers();
  for (const { phone, ...worker } of workers)
    batch.set(firestore.collection('workers').doc(phone), worker);
  await batch.commit();
  return workers.length;
}

/** The demo procedures the functions fall back on, with their key questions, written to procedures/{id}. */
export async function seedProcedures(firestore: Firestore): Promise<number> {
  const read = (file: string) =>
    JSON.parse(readFileSync(join(ROOT, 'functions', 'src', 'assistant', file), 'utf8'));
  const questions = read('keyQuestions.json') as Record<string, unknown>;
  const procedures = (read('demoProcedures.json') as Array<{ id: string }>).map((p) =>
    questions[p.id] ? { ...p, questions: questions[p.id] } : p,
  );
  const batch = firestore.batch();
  for (const { id, ...procedure } of procedures)
    batch.set(firestore.collection('procedures').doc(id), procedure);
  await batch.commit();
  return procedures.length;
}
