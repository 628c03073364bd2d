import { describeConfig, loadConfig } from '../config/index.ts';
import { migrateToLatest, schemaState } from '../storage/migrate.ts';
import { openConfiguredDb } from '../wiring.ts';
import type { Command } from './command.ts';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Bring the database schema up to date',
  usage: 'migrate [--status]',
  options: { status: { type: 'boolean', help: 'Print the applied and pending migrations as JSON instead of applying them' } },
  async run({ values }) {
    const cfg = loadConfig();
    const db = openConfiguredDb(cfg);
    try {
      if (values.status) {
        const s = await schemaState(db);
        console.log(JSON.stringify({ database: db.describe, ...s }, null, 2));
        return;
      }
      const ran = await migrateToLatest(db);
      console.log(ran.length ? `Applied ${ran.length} migration(s) to ${db.describe}: ${ran.join(', ')}` : `${db.describe} is up to date.`);
    } finally {
      await db.close();
    }
  },
};

export const configCommand: Command = {
  name: 'config',
  summary: 'Print the effective configuration (secrets masked)',
  usage: 'config [--json]',
  options: { json: { type: 'boolean', help: 'One JSON object of name: value' } },
  async run({ values }) {
    const rows = describeConfig(loadConfig());
    if (values.json) {
      console.log(JSON.stringify(Object.fromEntries(rows.map((r) => [r.name, r.value])), null, 2));
      return;
    }
    const w = Math.max(...rows.map((r) => r.name.length));
    for (const r of rows) console.log(`${r.name.padEnd(w)}  ${r.value === '' ? '(unset)' : r.value}\n${' '.repeat(w)}  # ${r.doc}`);
  },
};
