import { describe, expect, it } from 'vitest';
import { formatLogsText } from '../../src/report/logsText.js';
import { createStyle } from '../../src/report/style.js';
import { nagiosFigures } from '../../src/report/nagios.js';
import type { ScanStats } from '../../src/logs/index.js';

const stats: ScanStats = {
  sources: 1,
  bytes: 10,
  lines: 1,
  candidateLines: 0,
  matchedLines: 0,
  skippedBySince: 0,
  truncatedLines: 0,
  foldedLines: 0,
};
const elsewhere = {
  source: 'PHP-FPM',
  code: 'elsewhere' as const,
  message:
    "PHP-FPM's error_log of /etc/php/8.3/fpm/php-fpm.conf goes to syslog: read it with `journalctl -u php8.3-fpm`.",
};

describe('logs text: where a log that is not a file can be read', () => {
  it('is a note, as check shows it, and the verdict stays healthy', () => {
    const out = formatLogsText(createStyle(), {
      target: '/var/log/apache2/error.log',
      findings: [],
      notices: [elsewhere, { ...elsewhere, message: 'Pool www does not set catch_workers_output = yes\u001b[31m' }],
      stats,
      exitCode: 0,
    });
    expect(out).toContain(`note: ${elsewhere.message}`);
    expect(out).not.toMatch(/^! /m);
    expect(out).toContain('no known FastCGI problem in these logs');
    // Pool names come from files: escaped like any other untrusted text.
    expect(out).not.toContain('\u001b');
  });

  it('nagios: a note is no failure of the read', () => {
    const figures = nagiosFigures({ kind: 'logs', stats, notices: [elsewhere] });
    expect(figures.failure).toBeUndefined();
    expect(
      nagiosFigures({ kind: 'logs', stats, notices: [{ source: 'x', code: 'unreadable', message: 'no' }] }).failure,
    ).toBe('no');
  });
});
