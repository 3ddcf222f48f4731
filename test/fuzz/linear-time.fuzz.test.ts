// Every parser of untrusted text does work linear in the size of its input: a pattern with overlapping repeats
// (a 30,000-letter timezone= used to block the whole process for over a second) shows up here as time per kilobyte
// that grows with the size. Each parser gets inputs built to make patterns back-track (runs of one character,
// unclosed quotes and tags, xn-- labels, separator runs) plus random hostile pieces, at growing sizes; the time per
// kilobyte at a size at least 8 times larger must stay within FACTOR of the smallest size's. Times are the probe's
// CPU time, which other processes on a loaded machine do not inflate. Each parser runs in a child process so that a
// catastrophic pattern is killed at a deadline instead of hanging the suite.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nastyPiece } from './arbitraries.js';
import { PARSERS } from './linear-time-probe.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const PROBE = join(ROOT, 'test/fuzz/linear-time-probe.ts');

/** Linear work keeps the time per KB flat; quadratic work multiplies it by the size ratio (8 and more here). */
const FACTOR = 4;
/**
 * A linear run takes a few seconds on an idle machine and under a minute on a loaded one; only a hang (exponential
 * back-tracking, or quadratic on 64 KB) comes near this.
 */
const PROBE_DEADLINE_MS = 180_000;
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

/** Pieces that make patterns back-track; each parser also gets a share of random hostile pieces. */
const ADVERSARIAL: Readonly<Record<string, readonly string[]>> = {
  'command text': ["'a ", '"', '=', '\u201C ', "a='b ", '<mailto:a@b.c|', '<https://x|', 'a', 'x=y ', '&lt;', 'a-'],
  'account ref': [' ', 'a@', 'a', '1', '\n', 'id:', '@ '],
  'modal values': ['a', '{"channelId":"', '[', '"', 'xn--a.', 'a-', '\\"'],
  'user record': ['a', 'xn--a.', 'a-', 'a.', '-', '"', '\\"', 'é', 'a1_', '<', 'a/', '-b'],
  'payload envelope': ['a', '{', '"', 'U', '\u0000'],
  'Moodle answers': ['<', '<script ', '<style', '<<>', '&amp;', '<br', '</div>'],
};
const SIZES_KB: Readonly<Record<string, readonly number[]>> = {
  // Below the 8,000-character cap (the tokenizer itself), then far above it (the cap).
  'command text': [0.5, 4, 7.8, 64],
};
const DEFAULT_SIZES_KB = [1, 8, 64] as const;

interface Timing {
  unit: number;
  kb: number;
  msPerCall: number;
}

/** Runs the probe on these units; rejects naming the input in progress if the deadline passes. */
function probe(parser: string, units: readonly string[], sizesKb: readonly number[]): Promise<Timing[]> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, PROBE, parser], {
      env: { PATH: process.env.PATH, LINEAR_TIME_PROBE: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      const last = out.trim().split('\n').at(-1) ?? '{}';
      const { start, kb } = JSON.parse(last) as { start?: number; kb?: number };
      const unit = start === undefined ? '?' : JSON.stringify(units[start]);
      fail(new Error(`${parser}: no answer within ${PROBE_DEADLINE_MS} ms on ${unit} × ${kb} KB (super-linear)`));
    }, PROBE_DEADLINE_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) return fail(new Error(`${parser}: probe exited ${code}\n${err}`));
      const lines = out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Partial<Timing>);
      done(lines.filter((l): l is Timing => l.msPerCall !== undefined));
    });
    child.stdin.end(JSON.stringify({ units, sizesKb }));
  });
}

interface UnitVerdict {
  unit: number;
  /** Largest (time per KB at a size ≥ 8× the smallest) / (time per KB at the smallest size). */
  ratio: number;
  worstMsPerKb: number;
}

function judge(timings: readonly Timing[], sizesKb: readonly number[]): UnitVerdict[] {
  const smallest = Math.min(...sizesKb);
  const byUnit = new Map<number, Timing[]>();
  for (const t of timings) byUnit.set(t.unit, [...(byUnit.get(t.unit) ?? []), t]);
  return [...byUnit].map(([unit, rows]) => {
    const perKb = (row: Timing) => row.msPerCall / row.kb;
    const base = perKb(rows.find((r) => r.kb === smallest) ?? rows[0]!);
    const far = rows.filter((r) => r.kb >= 8 * smallest).map(perKb);
    return { unit, ratio: Math.max(...far) / base, worstMsPerKb: Math.max(...rows.map(perKb)) };
  });
}

describe(`parsers stay linear on hostile input of growing size (seed ${SEED})`, () => {
  const random = fc
    .sample(nastyPiece, { numRuns: 12, seed: SEED })
    .filter((piece) => piece.length > 0)
    .slice(0, 5);

  it.each(Object.keys(PARSERS))(
    '%s',
    async (parser) => {
      const units = [...(ADVERSARIAL[parser] ?? []), ...random];
      const sizesKb = SIZES_KB[parser] ?? DEFAULT_SIZES_KB;
      let verdicts = judge(await probe(parser, units, sizesKb), sizesKb);
      // A loaded machine can slow one measurement; measure the suspects again before calling them super-linear.
      const suspects = verdicts.filter((v) => v.ratio > FACTOR);
      if (suspects.length > 0) {
        const again = judge(
          await probe(
            parser,
            suspects.map((s) => units[s.unit] ?? ''),
            sizesKb,
          ),
          sizesKb,
        );
        verdicts = verdicts.map((v) => {
          const index = suspects.findIndex((s) => s.unit === v.unit);
          const retry = index >= 0 ? again.find((a) => a.unit === index) : undefined;
          return retry && retry.ratio < v.ratio ? { ...retry, unit: v.unit } : v;
        });
      }
      const worst = verdicts.reduce((a, b) => (b.ratio > a.ratio ? b : a));
      const worstMsPerKb = Math.max(...verdicts.map((v) => v.worstMsPerKb));
      console.log(
        `${parser}: ${units.length * sizesKb.length} inputs (${units.length} pieces × ${sizesKb.join('/')} KB), ` +
          `worst ${worstMsPerKb.toFixed(4)} ms/KB, worst growth ×${worst.ratio.toFixed(2)} (${JSON.stringify(units[worst.unit]).slice(0, 30)})`,
      );
      for (const v of verdicts) {
        expect(v.ratio, `${parser} on ${JSON.stringify(units[v.unit]).slice(0, 40)}`).toBeLessThanOrEqual(FACTOR);
      }
    },
    2 * PROBE_DEADLINE_MS + 10_000,
  );
});
