import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { findingEntry } from '../../src/findings/ids.js';
import { catalogFromFiles, RuleError } from '../../src/logs/catalog.js';
import { defaultRulesDir, loadCatalog, matchLine, scanLogs } from '../../src/logs/index.js';
import { readRuleFiles } from '../../src/logs/ruleSource.js';
import type { RuleFile } from '../../src/logs/rule.js';

// Apache writes the errno of the failed connect() in front of the message; the generic
// connect rules name the cause from that number (rules/*.yaml `by_errno`), so a line whose
// errno text is not glibc's still gets the right cause, and an errno with no entry keeps
// the rule's own finding.
const catalog = loadCatalog();

const FASTCGI = (errno: string) =>
  `[Tue Mar 05 10:12:01.482913 2024] [fastcgi:error] [pid 2235:tid 140523] ${errno}: [client 192.0.2.10:51812] FastCGI: failed to connect to server "/usr/lib/cgi-bin/php-fcgi": connect() failed`;
const PROXY_SOCKET = (errno: string) =>
  `[Tue Mar 05 10:12:01.482913 2024] [proxy:error] [pid 2235:tid 140523] ${errno}: AH02454: FCGI: attempt to connect to Unix domain socket /run/php/php-fpm.sock (localhost:80) failed`;
const PROXY_TCP = (errno: string) =>
  `[Tue Mar 05 10:12:01.482913 2024] [proxy:error] [pid 2235:tid 140523] ${errno}: AH00957: FCGI: attempt to connect to 127.0.0.1:9000 (*) failed`;

// The errno's text as another C library or locale writes it: only the number is glibc's.
const OTHER_TEXT = 'errno text of another libc';

describe('by_errno: the errno names the cause', () => {
  it.each([
    ['fastcgi-connect-failed', FASTCGI, '2', 'socket-missing'],
    ['fastcgi-connect-failed', FASTCGI, '13', 'socket-permission-denied'],
    ['fastcgi-connect-failed', FASTCGI, '111', 'backend-unreachable'],
    ['fastcgi-connect-failed', FASTCGI, '11', 'backend-overloaded'],
    ['proxy-fcgi-socket-connect-failed', PROXY_SOCKET, '2', 'socket-missing'],
    ['proxy-fcgi-socket-connect-failed', PROXY_SOCKET, '13', 'socket-permission-denied'],
    ['proxy-fcgi-socket-connect-failed', PROXY_SOCKET, '111', 'socket-stale'],
    ['proxy-fcgi-socket-connect-failed', PROXY_SOCKET, '11', 'backend-overloaded'],
    ['proxy-fcgi-tcp-connect-failed', PROXY_TCP, '13', 'backend-unreachable'],
    ['proxy-fcgi-tcp-connect-failed', PROXY_TCP, '111', 'backend-unreachable'],
    ['proxy-fcgi-tcp-connect-failed', PROXY_TCP, '70007', 'backend-timeout'],
  ] as const)('%s: (%s) → %s', (ruleId, line, errno, finding) => {
    const verdict = matchLine(line(`(${errno})${OTHER_TEXT}`), catalog);
    expect(verdict?.ruleId).toBe(ruleId);
    expect(verdict?.finding).toBe(finding);
  });

  it.each([
    [FASTCGI, 'fastcgi-connect-failed'],
    [PROXY_SOCKET, 'proxy-fcgi-socket-connect-failed'],
    [PROXY_TCP, 'proxy-fcgi-tcp-connect-failed'],
  ] as const)('an errno with no entry keeps the rule’s own finding (%#)', (line, ruleId) => {
    const rule = catalog.get(ruleId);
    for (const errno of ['(61)Connection refused', '(24)Too many open files', '(99999)Unknown error']) {
      const verdict = matchLine(line(errno), catalog);
      expect(verdict?.ruleId, errno).toBe(ruleId);
      expect(verdict?.finding, errno).toBe(rule?.finding);
    }
  });

  it('keeps the glibc wording with its own rule, whose finding agrees with the errno table', () => {
    for (const [line, errno] of [
      [FASTCGI, '(2)No such file or directory'],
      [FASTCGI, '(13)Permission denied'],
      [PROXY_SOCKET, '(2)No such file or directory'],
      [PROXY_SOCKET, '(13)Permission denied'],
      [PROXY_SOCKET, '(111)Connection refused'],
    ] as const) {
      const text = line(errno);
      const number = /^\((\d+)\)/.exec(errno)?.[1] ?? '';
      const generic = catalog.get(line === FASTCGI ? 'fastcgi-connect-failed' : 'proxy-fcgi-socket-connect-failed');
      expect(matchLine(text, catalog)?.finding, text).toBe(generic?.byErrno.get(number)?.finding);
    }
  });

  it('splits one rule’s lines into one finding per errno, each with its own title and fix', async () => {
    const text = `${[PROXY_TCP(`(13)${OTHER_TEXT}`), PROXY_TCP(`(70007)${OTHER_TEXT}`), PROXY_TCP(`(113)${OTHER_TEXT}`)].join('\n')}\n`;
    const { findings } = await scanLogs([{ name: 'error.log', stream: Readable.from([Buffer.from(text)]) }], {
      catalog,
    });
    const rule = catalog.get('proxy-fcgi-tcp-connect-failed');
    expect(findings.map((f) => f.id).sort()).toEqual(['backend-timeout', 'backend-unreachable', 'backend-unreachable']);
    const selinux = findings.find((f) => f.fix?.includes('httpd_can_network_connect'));
    expect(selinux?.message).toContain('127.0.0.1:9000');
    expect(findings.find((f) => f.id === 'backend-timeout')?.title).toBe(rule?.byErrno.get('70007')?.title);
    expect(findings.some((f) => f.fix === rule?.fix)).toBe(true);
  });
});

describe('by_errno: the findings it names', () => {
  it('are registered as emitted by the logs, at their default severity or one the registry allows', () => {
    const wrong: string[] = [];
    for (const rule of catalog.rules)
      for (const [errno, cause] of rule.byErrno) {
        const entry = findingEntry(cause.finding);
        if (!entry?.parts.includes('logs'))
          wrong.push(`${rule.id} (${errno}): ${cause.finding} is not emitted by the logs`);
        else if (entry.severity !== cause.severity && !entry.also?.[cause.severity])
          wrong.push(
            `${rule.id} (${errno}): ${cause.finding} is ${cause.severity}, the registry says ${entry.severity}`,
          );
      }
    expect(wrong).toEqual([]);
    expect(catalog.rules.filter((r) => r.byErrno.size > 0).length).toBeGreaterThanOrEqual(3);
  });
});

describe('by_errno: checked when the catalog is built', () => {
  const base: RuleFile = {
    id: 'demo',
    finding: 'backend-unreachable',
    severity: 'error',
    software: ['mod_proxy_fcgi'],
    title: 'A demo rule',
    patterns: ['(?:\\((?<errno>\\d{1,5})\\)[^:]{0,200}: )?AH99999: demo (?<what>\\S+)'],
    explanation: 'A rule made for this test only.',
    fix: 'Nothing to fix here.',
    links: ['https://example.com/'],
    examples: [],
    near_misses: [],
  };
  const build = (raw: RuleFile) => catalogFromFiles('/rules', [{ file: '/rules/demo.yaml', raw }]);

  it('rejects an unregistered finding id in the table', () => {
    expect(() => build({ ...base, by_errno: { '2': { finding: 'no-such-finding' } } })).toThrow(RuleError);
  });
  it('rejects a table on patterns without an errno group', () => {
    expect(() =>
      build({ ...base, patterns: ['AH99999: demo (?<what>\\S+)'], by_errno: { '2': { finding: 'socket-missing' } } }),
    ).toThrow(/errno/);
  });
  it('rejects a message naming a group no pattern has', () => {
    expect(() =>
      build({ ...base, by_errno: { '2': { finding: 'socket-missing', message: 'Missing {socket}' } } }),
    ).toThrow(/socket/);
  });
  it('groups by errno, so that two causes never share a finding', () => {
    const rule = build({ ...base, by_errno: { '2': { finding: 'socket-missing' } } }).get('demo');
    expect(rule?.groupBy).toContain('errno');
    expect(rule?.byErrno.get('2')).toMatchObject({ finding: 'socket-missing', title: 'A demo rule' });
  });
});

// Provoked on Apache 2.4.71 (Debian): ProxyPass to a missing socket, to one under a directory mode 0700
// owned by root, to a socket file nobody listens on, and to a closed TCP port.
const REAL_APACHE = [
  [
    '[Sun Dec 06 16:26:35.047400 2026] [proxy:error] [pid 922:tid 936] (2)No such file or directory: AH02454: FCGI: attempt to connect to Unix domain socket /tmp/fcgi-real-Nphh/nope.sock (missing:8000) failed',
    'socket-missing',
  ],
  [
    '[Sun Dec 06 16:26:35.067650 2026] [proxy:error] [pid 922:tid 938] (13)Permission denied: AH02454: FCGI: attempt to connect to Unix domain socket /tmp/fcgi-real-Nphh/priv/x.sock (denied:8000) failed',
    'socket-permission-denied',
  ],
  [
    '[Sun Dec 06 16:26:35.084116 2026] [proxy:error] [pid 928:tid 957] (111)Connection refused: AH02454: FCGI: attempt to connect to Unix domain socket /tmp/fcgi-real-Nphh/stale.sock (stale:8000) failed',
    'socket-stale',
  ],
  [
    '[Sun Dec 06 16:26:29.805536 2026] [proxy:error] [pid 600:tid 612] (111)Connection refused: AH00957: FCGI: attempt to connect to 127.0.0.1:1 (127.0.0.1:1) failed',
    'backend-unreachable',
  ],
] as const;

describe('by_errno on lines of a real Apache', () => {
  it.each(REAL_APACHE)('the whole catalog: %s → %s', (line, finding) => {
    expect(matchLine(line, catalog)?.finding).toBe(finding);
  });

  it.each(REAL_APACHE)('the generic connect rules alone, by errno only: %s → %s', (line, finding) => {
    const ids = new Set(['proxy-fcgi-socket-connect-failed', 'proxy-fcgi-tcp-connect-failed']);
    const dir = defaultRulesDir();
    const generic = catalogFromFiles(
      dir,
      readRuleFiles(dir).filter((f) => ids.has(f.raw.id)),
    );
    expect(matchLine(line, generic)?.finding).toBe(finding);
  });
});
