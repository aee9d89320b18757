/**
 * The doctor's report as text: one line per check (with its id, to look it up or to be named by
 * the app), the fix under it, then what to check at the provider, then the verdict.
 */
import { CHECK_TITLES, type DoctorReport, type Status } from './finding.ts';

const MARKS: Readonly<Record<Status, string>> = {
  ok: ' ok ',
  info: 'info',
  warn: 'warn',
  fail: 'FAIL',
};

export function formatReport(report: DoctorReport, heading: string): string {
  const lines = [heading, ''];
  for (const finding of report.findings) {
    lines.push(
      `[${MARKS[finding.status]}] ${CHECK_TITLES[finding.id]} (${finding.id}): ${finding.detail}`,
    );
    if (finding.fix && finding.status !== 'ok') lines.push(`       fix: ${finding.fix}`);
  }
  lines.push('', 'Check at the provider (discovery cannot show these):');
  for (const setting of report.atProvider) {
    lines.push(`  - ${setting.what} (${setting.id})`, `      where: ${setting.where}`);
  }
  const failed = report.findings.filter((finding) => finding.status === 'fail').map((f) => f.id);
  lines.push(
    '',
    failed.length === 0
      ? 'Sign-in can work with this provider.'
      : `Sign-in cannot work until these are fixed: ${failed.join(', ')}.`,
  );
  return lines.join('\n');
}
