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

// Queries live in src/storage/ (plus the two lexical index adapters and the job queue): nothing else
// imports Kysely or a database driver, reaches for a connection's query builder, or runs a statement.
// Services call store methods; src/wiring.ts builds the stores from the one database.
const QUERY_HOMES = ['src/storage/**', 'src/search/lexical-*.ts', 'src/jobs/queue.ts'];
const drivers = [
  { name: 'kysely', message: 'Only src/storage/ (and the lexical adapters, the job queue) use Kysely: add a store method instead.' },
  { name: 'better-sqlite3', message: 'Only src/storage/ (and the SQLite lexical adapter) open or query SQLite.' },
  { name: 'pg', message: 'Only src/storage/ (and the PostgreSQL lexical adapter) talk to PostgreSQL.' },
];
const queries = {
  'no-restricted-syntax': [
    'error',
    {
      selector: 'CallExpression[callee.property.name=/^(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto|prepare|pragma)$/]',
      message: 'Queries live in src/storage/: call a store method (docs/architecture.md, "Queries").',
    },
    { selector: "TaggedTemplateExpression[tag.name='sql']", message: 'SQL lives in src/storage/.' },
    {
      selector: "MemberExpression[property.name='kysely']",
      message: 'Only src/storage/ and src/wiring.ts (which builds the stores) touch the query builder: take a store instead.',
    },
  ],
};

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
  // Later blocks replace a rule for their files, so each folder's block repeats `drivers`.
  {
    // Everything outside the query homes: no driver imports, no statements.
    files: ['src/**/*.ts'],
    ignores: QUERY_HOMES,
    rules: { 'no-restricted-imports': ['error', { paths: drivers }], ...queries },
  },
  {
    // The composition root builds the stores from the connection (db.kysely), and runs no statement.
    files: ['src/wiring.ts'],
    rules: { 'no-restricted-syntax': ['error', ...queries['no-restricted-syntax'].slice(1, 3)] },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: drivers, patterns: [{ regex: '^\\.\\./', message: 'The domain imports nothing of the project but the domain: pure rules, no I/O.' }] },
      ],
    },
  },
  {
    files: ['src/storage/**/*.ts', 'src/search/lexical-*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: upper }] },
  },
  {
    files: ['src/ingest/**/*.ts', 'src/mail/**/*.ts', 'src/search/**/*.ts'],
    ignores: ['src/search/lexical-*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: drivers, patterns: upper }] },
  },
  {
    files: ['src/cli/**/*.ts'],
    ignores: ['src/cli/commands.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: drivers, patterns: [{ regex: '(^|/)commands(\\.ts)?$', message: 'A command imports ./command.ts (the type); only main.ts imports the list.' }] },
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
