#!/usr/bin/env node
// The one command-line entry point, declared as package.json "bin": `moodle-provisioner <command> [options]`
// (start, doctor, audit, …; see commands.ts). Runs the built JavaScript only, so it works after a production
// install and in the Docker image, where no development tool is present.
import { createProcessIo } from './command.js';
import { runCli } from './run-cli.js';

process.exitCode = await runCli(process.argv.slice(2), createProcessIo());
