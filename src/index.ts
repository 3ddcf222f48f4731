// `node dist/index.js`: the same as `moodle-provisioner start`, kept for deployments that were set up with it
// (systemd units, process managers). Every operator command goes through src/cli/main.ts.
import { createProcessIo } from './cli/command.js';
import { runCli } from './cli/run-cli.js';

process.exitCode = await runCli(['start', ...process.argv.slice(2)], createProcessIo());
