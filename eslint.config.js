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
