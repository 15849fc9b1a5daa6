// Lint rules from STYLE.md: no any, no floating promises, exhaustive switches,
// type-only imports, and imports that keep the layer arrows pointing down.
import tseslint from 'typescript-eslint';

const layers = {
  sip: [
    '@herald/events',
    '@herald/presence',
    '@herald/dialog',
    '@herald/message-summary',
    '@herald/registrar',
    '@herald/server',
  ],
};

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.tsbuild/**', 'coverage/**', '.tap/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // tap's t.test returns a promise tap itself tracks; awaiting each one is noise.
    files: ['packages/*/test/**/*.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  {
    files: ['packages/sip/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: layers.sip }] },
  },
);
