/**
 * Where bundlers and tests find the model: its TypeScript source, so the dashboard's bundle is
 * tree-shaken (the zod schemas stay out of it: the dashboard uses their types only), the functions'
 * bundle needs no build of it, and tests never run a stale build. Plain Node (the scripts, the
 * functions' tsc output) reads the package's build instead.
 */
import { join } from 'node:path';

/** Each entry point of @aurora/model, by import name, to its source. */
export const modelEntries: Record<string, string> = {
  '@aurora/model': join(import.meta.dirname, 'src', 'index.ts'),
  '@aurora/model/tasks': join(import.meta.dirname, 'src', 'tasks.ts'),
};

/** The same, as Vite's aliases (exact names: '@aurora/model' must not swallow '@aurora/model/tasks'). */
export const modelSource = Object.entries(modelEntries).map(([name, source]) => ({
  find: new RegExp(`^${name.replace(/[/.]/g, '\\$&')}$`),
  replacement: source,
}));
