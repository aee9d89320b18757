/** Rows of bench/results.json and the Markdown table printed after a run. */
export type Subject = 'this' | 'a2o-stock' | 'naive';
export const SUBJECTS: readonly Subject[] = ['this', 'a2o-stock', 'naive'];

export interface Row {
  readonly subject: Subject;
  readonly measure: string;
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly unit: string;
}

/** Collects samples per (subject, measure, n) and summarises them as median, min and max. */
export class Results {
  private readonly samples = new Map<
    string,
    { subject: Subject; measure: string; n: number; unit: string; values: number[] }
  >();

  add(subject: Subject, measure: string, n: number, unit: string, value: number): void {
    const key = `${subject}|${measure}|${n}`;
    const entry = this.samples.get(key) ?? { subject, measure, n, unit, values: [] };
    entry.values.push(value);
    this.samples.set(key, entry);
  }

  rows(): Row[] {
    return [...this.samples.values()].map(({ values, ...rest }) => {
      const sorted = [...values].sort((a, b) => a - b);
      return {
        ...rest,
        median: round(median(sorted)),
        min: round(sorted[0]),
        max: round(sorted.at(-1)!),
      };
    });
  }
}

function median(sorted: number[]): number {
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function round(value: number): number {
  return Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 100) / 100;
}

/** One line per (measure, n), one column per subject: "median (min–max)". */
export function markdownTable(rows: readonly Row[]): string {
  const lines = [
    '| measure | n | unit | this | a2o-stock | naive |',
    '| --- | ---: | --- | ---: | ---: | ---: |',
  ];
  const keys = [...new Set(rows.map((row) => `${row.measure}|${row.n}`))];
  for (const key of keys) {
    const [measure, n] = key.split('|');
    const cells = SUBJECTS.map((subject) => {
      const row = rows.find((r) => r.subject === subject && `${r.measure}|${r.n}` === key);
      if (!row) return '–';
      return row.min === row.max ? `${row.median}` : `${row.median} (${row.min}–${row.max})`;
    });
    const unit = rows.find((r) => `${r.measure}|${r.n}` === key)!.unit;
    lines.push(`| ${measure} | ${n} | ${unit} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The BFF's rows (measures `bff-…`, one subject): "median (min–max)" in one column. */
export function bffTable(rows: readonly Row[]): string {
  const lines = ['| measure | n | unit | median (min–max) |', '| --- | ---: | --- | ---: |'];
  for (const row of rows) {
    const cell = row.min === row.max ? `${row.median}` : `${row.median} (${row.min}–${row.max})`;
    lines.push(`| ${row.measure} | ${row.n} | ${row.unit} | ${cell} |`);
  }
  return lines.join('\n');
}

/**
 * The BFF's load rows (`bff-load-…`) pivoted: one line per measure, one column per session count
 * ("median (min–max)"), and the last count's median over the first's, so flatness reads directly.
 */
export function bffLoadTable(rows: readonly Row[]): string {
  const counts = [...new Set(rows.map((row) => row.n))].sort((a, b) => a - b);
  const measures = [...new Set(rows.map((row) => row.measure))];
  const first = counts[0];
  const last = counts.at(-1);
  const ratioHeader = counts.length > 1 ? ` ${last} ÷ ${first} |` : '';
  const lines = [
    `| measure | unit |${counts.map((n) => ` ${n} sessions |`).join('')}${ratioHeader}`,
    `| --- | --- |${counts.map(() => ' ---: |').join('')}${counts.length > 1 ? ' ---: |' : ''}`,
  ];
  for (const measure of measures) {
    const byCount = new Map(rows.filter((r) => r.measure === measure).map((r) => [r.n, r]));
    const unit = byCount.values().next().value!.unit;
    const cells = counts.map((n) => {
      const row = byCount.get(n);
      if (!row) return '–';
      return row.min === row.max ? `${row.median}` : `${row.median} (${row.min}–${row.max})`;
    });
    let ratio = '';
    if (counts.length > 1) {
      const from = byCount.get(first!);
      const to = byCount.get(last!);
      ratio = from && to && from.median !== 0 ? ` ${round(to.median / from.median)} |` : ' – |';
    }
    lines.push(`| ${measure} | ${unit} |${cells.map((cell) => ` ${cell} |`).join('')}${ratio}`);
  }
  return lines.join('\n');
}
