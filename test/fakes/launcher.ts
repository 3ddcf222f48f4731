// Shared by the fakes' command-line launchers (`npm run fake-moodle`, `npm run fake-slack`): their options (--help,
// --port) and what to say when the port cannot be had, instead of a stack trace.

/** A TCP port from the command line (0: any free port); undefined when it is not one. */
export function parsePort(value: string): number | undefined {
  const port = Number(value);
  return /^\d+$/.test(value.trim()) && port <= 65_535 ? port : undefined;
}

/**
 * Reads the launcher's options with `parse` (node:util parseArgs, with `help` and `port`) and checks --port; or
 * returns the exit code once the usage was printed: 0 for --help, 2 with the reason for a mistake.
 */
export function readLauncherOptions<T extends { help?: boolean | undefined; port?: string | undefined }>(
  parse: () => T,
  usage: string,
): { values: T; port: number } | number {
  let values: T;
  try {
    values = parse();
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const port = parsePort(values.port ?? '');
  if (port === undefined) {
    console.error(`--port must be a port number from 0 to 65535, not "${values.port}".\n${usage}`);
    return 2;
  }
  return { values, port };
}

/** A sentence for a listen failure a person can fix (port taken, port reserved); undefined for anything else. */
export function explainListenError(
  error: unknown,
  where: { fake: string; script: string; host: string; port: number },
): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  const pickAnother =
    `Pick another port: npm run ${where.script} -- --port ${where.port === 65_535 ? 8081 : where.port + 1}` +
    ' (or --port 0 for any free one), and use the URL it prints.';
  const cannot = `Cannot start the ${where.fake}:`;
  if (code === 'EADDRINUSE') {
    return `${cannot} port ${where.port} on ${where.host} is already in use by another program.\n${pickAnother}`;
  }
  if (code === 'EACCES') {
    return `${cannot} this user may not listen on port ${where.port} of ${where.host}.\n${pickAnother}`;
  }
  if (code === 'EADDRNOTAVAIL') {
    return `${cannot} ${where.host} is not an address of this machine. Use --host 127.0.0.1.`;
  }
  return undefined;
}
