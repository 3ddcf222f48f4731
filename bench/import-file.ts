// What the import benchmarks feed the app: a CSV file of new users, and the Node flags the app runs with.
import { readFileSync } from 'node:fs';

export function importFile(prefix: string, rows: number, options: { course: boolean; auth: string }): string {
  const head = `username,firstname,lastname,email,auth${options.course ? ',course1,role1' : ''}`;
  const lines = Array.from(
    { length: rows },
    (_, i) =>
      `${prefix}${i},Bench,User ${i},${prefix}${i}@example.org,${options.auth}${options.course ? ',TEST101,student' : ''}`,
  );
  return `${head}\n${lines.join('\n')}\n`;
}

/** The Node flags of `npm start` (package.json), which the Docker image's entry point repeats (a test checks it). */
export function startNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    scripts: { start: string };
  };
  const match = /^node((?: --[\w-]+(?:=\S+)?)*) /.exec(pkg.scripts.start);
  if (!match) throw new Error(`package.json's start script is not "node [flags] <script>": ${pkg.scripts.start}`);
  return (match[1] ?? '').trim().split(' ').filter(Boolean);
}
