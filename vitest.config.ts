import { defineConfig } from 'vitest/config';
import { modelSource } from './model/source.mts';

export default defineConfig({
  // For what is imported outside the projects too (npm run simulate's vitest.import): the model's
  // source, so a fresh clone need not build it first.
  resolve: { alias: modelSource },
  test: {
    // Handlers run in-process log through firebase-functions' logger: shown for failing tests only.
    silent: 'passed-only',
    projects: [
      {
        resolve: { alias: modelSource },
        test: {
          name: 'unit',
          // The safety simulation runs with the unit tests: a fixed seed, well under a minute (npm run simulate runs it longer).
          include: ['test/unit/**/*.test.ts', 'test/simulation/**/*.test.ts'],
        },
      },
      {
        resolve: { alias: modelSource },
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/stack.setup.ts'],
          // One local stack serves every file; files run one after another against it.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
