// Type-aware linting: an un-awaited promise in a function is lost work, so these are errors.
import tseslint from 'typescript-eslint';

const noLostPromises = {
  '@typescript-eslint/no-floating-promises': 'error',
  '@typescript-eslint/no-misused-promises': 'error',
};

/** Type-aware recommended rules for the files of one TypeScript project. */
const typed = (files, project, rules = {}) => ({
  files,
  extends: [tseslint.configs.recommendedTypeChecked],
  languageOptions: { parserOptions: { project, tsconfigRootDir: import.meta.dirname } },
  rules: { ...noLostPromises, ...rules },
});

export default tseslint.config(
  // functions/lib is the compiled output; scripts/lib is source, and linted.
  { ignores: ['functions/lib/**', 'node_modules/**', 'hosting/dist/**'] },
  typed(['functions/src/**/*.ts'], './functions/tsconfig.json', {
    '@typescript-eslint/no-require-imports': 'off', // lazy requires keep heavy SDKs out of cold starts
    '@typescript-eslint/require-await': 'off', // async is how small adapters meet Promise interfaces
  }),
  {
    // Use cases do not import use cases: what two share is a step (steps/) or a decision (core/).
    files: ['functions/src/calls/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['./*'],
              message:
                'A use case does not import another: share a step (functions/src/steps) or a decision (functions/src/core).',
            },
          ],
        },
      ],
    },
  },
  {
    // Imports run downward: the steps and the decisions below the use cases never reach up to them.
    files: [
      'functions/src/steps/**/*.ts',
      'functions/src/core/**/*.ts',
      'functions/src/assistant/**/*.ts',
      'functions/src/adapters/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../calls/*', '../triggers/*'],
              message:
                'Imports run downward: nothing below the use cases imports them or the triggers.',
            },
          ],
        },
      ],
    },
  },
  typed(['hosting/**/*.ts'], './hosting/tsconfig.json'),
  typed(['scripts/**/*.ts', 'test/**/*.ts'], './test/tsconfig.json', {
    '@typescript-eslint/no-unsafe-assignment': 'off',
    '@typescript-eslint/no-unsafe-member-access': 'off',
    '@typescript-eslint/no-unsafe-call': 'off',
    '@typescript-eslint/no-unsafe-argument': 'off',
    '@typescript-eslint/no-unsafe-return': 'off',
    '@typescript-eslint/require-await': 'off',
    '@typescript-eslint/no-unnecessary-type-assertion': 'off', // a test's `!` says what it expects to be there
  }),
);
