// Every operator command, in the order --help lists them. A new command is one module exporting a CliCommand
// and one line here; its module is loaded only when it runs, so a broken dependency of one command (the SQLite
// binding, say) cannot take the doctor or --help down with it.
import type { CliCommandEntry } from './command.js';

export const COMMANDS: readonly CliCommandEntry[] = [
  {
    name: 'start',
    summary: 'run the Slack app (the Docker image runs this by default)',
    load: async () => (await import('./start.js')).startCommand,
  },
  {
    name: 'doctor',
    summary: 'check the Moodle and Slack setup; says what to fix for every ✗',
    load: async () => (await import('./doctor.js')).doctorCommand,
  },
  {
    name: 'audit',
    summary: 'export the audit log as CSV or JSON (needs only DATABASE_URL)',
    load: async () => (await import('./audit.js')).auditCommand,
  },
  {
    name: 'migrate-store',
    summary: 'copy the requests and the audit log to another database (SQLite ↔ PostgreSQL) and check the copy',
    load: async () => (await import('./migrate-store.js')).migrateStoreCommand,
  },
];
