/**
 * Printing and statistics for the benchmark: section headers, aligned figure
 * lines with units and comparisons, percentiles, and the verdicts collected for
 * the final summary table.
 */

/** One target checked by the run, for the summary table. */
export interface Verdict {
  readonly figure: string;
  readonly measured: string;
  readonly target: string;
  readonly pass: boolean | undefined;
}

const verdicts: Verdict[] = [];

/** Records a target's outcome (pass `undefined` for figures printed for information only) and returns PASS/MISS/INFO. */
export function verdict(figure: string, measured: string, target: string, pass: boolean | undefined): string {
  verdicts.push({ figure, measured, target, pass });
  return mark(pass);
}

export const mark = (pass: boolean | undefined): string => (pass === undefined ? 'INFO' : pass ? 'PASS' : 'MISS');

export function allVerdicts(): readonly Verdict[] {
  return verdicts;
}

export function section(title: string): void {
  console.log(`\n${'='.repeat(78)}\n${title}\n${'='.repeat(78)}`);
}

export function line(label: string, value: string, note = ''): void {
  console.log(`  ${label.padEnd(50)} ${value.padStart(16)}${note ? `  ${note}` : ''}`);
}

export function note(text: string): void {
  console.log(`  ${text}`);
}

/** Thousands separators, fixed decimals. */
export function num(n: number, decimals = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export const ms = (n: number) => `${num(n, n < 10 ? 2 : 1)} ms`;
export const perSec = (n: number) => `${num(n)} events/s`;
export const usd = (n: number) => `$${n.toFixed(3)}`;

/** The q-quantile (0..1) of `values`, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const median = (values: readonly number[]) => quantile(values, 0.5);

/** A plain text table, also valid Markdown. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [fmt(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(fmt)].join('\n');
}

/** Runs `fn` for every item with at most `concurrency` in flight; resolves when all are done. */
export async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T, worker: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async (_, worker) => {
      while (next < items.length) await fn(items[next++]!, worker);
    }),
  );
}

/** Seconds elapsed since `t0` (performance.now()). */
export const since = (t0: number) => (performance.now() - t0) / 1000;
