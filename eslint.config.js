import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// The layers (docs/architecture.md): domain ← storage, search, ingest, mail ← services ← http, jobs, cli ← wiring.
// A lower layer never imports a higher one; these rules make the build say so.
const upper = [
  { regex: '(^|/)services/', message: 'storage, search, ingest and mail never import services: pass what they need in (see docs/architecture.md).' },
  { regex: '(^|/)http/', message: 'storage, search, ingest and mail never import the HTTP layer.' },
  { regex: '(^|/)wiring(\\.ts)?$', message: 'Only entry points (cli, main) and tests import the wiring; take explicit dependencies instead.' },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'test-artifacts/', 'tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read settings through src/config.' }],
    },
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    rules: {
      // Long strings, templates and URLs may run on; code may not.
      'max-len': ['error', { code: 160, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.\\./', message: 'The domain imports nothing of the project but the domain: pure rules, no I/O.' }] },
      ],
    },
  },
  {
    files: ['src/storage/**/*.ts', 'src/search/**/*.ts', 'src/ingest/**/*.ts', 'src/mail/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: upper }] },
  },
  {
    files: ['src/cli/**/*.ts'],
    ignores: ['src/cli/commands.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '(^|/)commands(\\.ts)?$', message: 'A command imports ./command.ts (the type); only main.ts imports the list.' }] },
      ],
    },
  },
  {
    files: ['src/config/**', 'test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['public/**/*.js'],
    languageOptions: { globals: { ...globals.browser }, sourceType: 'script' },
  },
);
