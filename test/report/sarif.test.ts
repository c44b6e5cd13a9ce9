import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings/finding.js';
import { findingEntry } from '../../src/findings/ids.js';
import { artifactUri, buildSarif, sarifLevel } from '../../src/report/sarif.js';
import { errorsText, fixture, run, sarifValidator } from './support.js';

const validate = sarifValidator();

function expectValid(log: unknown): void {
  const ok = validate(log);
  expect(ok, errorsText(validate.errors)).toBe(true);
}

const located: Finding = {
  id: 'options-mixed-syntax',
  severity: 'error',
  title: 'Options mixes words with and without +/-',
  message: '"Options FollowSymLinks +ExecCGI" mixes plain option names with +/- ones.',
  location: { file: '/srv/site/conf/app.conf', line: 7, includedFrom: ['/etc/apache2/apache2.conf:225'] },
  evidence: [{ kind: 'config', text: 'app.conf:7: Options FollowSymLinks +ExecCGI' }],
  fix: 'Write "Options +FollowSymLinks +ExecCGI".',
  setup: 'fastcgi:static:x',
};
const loose: Finding = {
  id: 'backend-unreachable',
  severity: 'warning',
  title: 'Nobody listens on 127.0.0.1:9000',
  message: 'connection refused',
  evidence: [],
};
// No code path emits an unregistered id (test/findings/registry.test.ts), but SARIF must still describe one without a page.
const info: Finding = {
  id: 'some-log-rule-without-a-page' as Finding['id'],
  severity: 'info',
  title: 'A note',
  message: 'fyi',
  location: { file: 'relative/file.log' },
  evidence: [],
};

describe('SARIF 2.1.0', () => {
  it('the schema fixture rejects what SARIF forbids (the validator is live)', () => {
    expect(
      validate({
        version: '2.1.0',
        runs: [{ tool: { driver: { name: 'x' } }, results: [{ level: 'info', message: { text: 'x' } }] }],
      }),
    ).toBe(false);
    expect(
      validate({
        version: '2.1.0',
        runs: [{ tool: { driver: { name: 'x' } }, results: [{ level: 'note', message: { text: 'x' } }] }],
      }),
    ).toBe(true);
  });

  it('maps severities to levels', () => {
    expect([sarifLevel('error'), sarifLevel('warning'), sarifLevel('info')]).toEqual(['error', 'warning', 'note']);
  });

  it('writes results with rule ids, levels, a location with a line, and rule metadata from the explanation pages', () => {
    const log = buildSarif(
      [located, loose, info, { ...located, location: { file: '/srv/site/conf/app.conf', line: 9 } }],
      { toolVersion: '1.2.3', cwd: '/srv/site' },
    );
    expectValid(log);
    const run0 = log.runs[0]!;
    expect(run0.tool.driver).toMatchObject({ name: 'fcgi-doctor', version: '1.2.3' });
    expect(run0.tool.driver.informationUri).toBeUndefined();
    expect(run0.tool.driver.rules.map((r) => r.id)).toEqual([
      'options-mixed-syntax',
      'backend-unreachable',
      'some-log-rule-without-a-page',
    ]);
    const rule = run0.tool.driver.rules[0]!;
    // The page's title, and its text as the description and help.
    expect(rule.shortDescription.text).toMatch(/Options line mixes/);
    expect(rule.fullDescription?.text).toMatch(/Apache 2\.4 refuses/);
    expect(rule.help?.markdown).toMatch(/## How to fix/);
    // No page: the finding's own words.
    expect(run0.tool.driver.rules[2]!.shortDescription.text).toBe('A note');
    const [r0, r1, r2, r3] = run0.results;
    expect(r0).toMatchObject({ ruleId: 'options-mixed-syntax', ruleIndex: 0, level: 'error' });
    expect(r0!.locations).toEqual([
      {
        physicalLocation: {
          artifactLocation: { uri: 'conf/app.conf', uriBaseId: '%SRCROOT%' },
          region: { startLine: 7 },
        },
      },
    ]);
    expect(r0!.message.text).toContain('Fix: Write');
    expect(r0!.properties).toEqual({ setup: 'fastcgi:static:x', includedFrom: ['/etc/apache2/apache2.conf:225'] });
    expect(r1).toMatchObject({ ruleId: 'backend-unreachable', level: 'warning' });
    expect(r1!.locations).toBeUndefined();
    expect(r2).toMatchObject({ level: 'note' });
    expect(r2!.locations![0]!.physicalLocation.region).toBeUndefined();
    expect(r3!.ruleIndex).toBe(0);
    expect(run0.originalUriBaseIds).toEqual({ '%SRCROOT%': { uri: 'file:///srv/site/' } });
  });

  it('keeps files outside the working directory as absolute file: URIs', () => {
    expect(artifactUri('/etc/apache2/sites-enabled/my site.conf', '/home/ci/repo')).toEqual({
      uri: 'file:///etc/apache2/sites-enabled/my%20site.conf',
    });
    expect(artifactUri('/home/ci/repo/conf/a b.conf', '/home/ci/repo')).toEqual({
      uri: 'conf/a%20b.conf',
      uriBaseId: '%SRCROOT%',
    });
  });

  it("gives each rule the registry's default level, its page and, with a published base, a helpUri to the page", () => {
    const without = buildSarif([loose, info], { toolVersion: '0.1.0', cwd: '/' });
    expectValid(without);
    const [unreachable, unknown] = without.runs[0]!.tool.driver.rules;
    // The finding says warning; the rule's default is the registry's.
    expect(unreachable).toMatchObject({
      defaultConfiguration: { level: 'error' },
      properties: { page: 'docs/findings/backend-unreachable.md', contract: true },
    });
    expect(unreachable!.properties!.parts).toContain('request');
    // No repository address is known: a relative path is no URI for SARIF, so no helpUri; the help names the page.
    expect(unreachable!.helpUri).toBeUndefined();
    expect(unreachable!.help?.markdown).toContain('(docs/findings/backend-unreachable.md)');
    expect(unknown!.properties).toBeUndefined();
    const published = buildSarif([loose, info], {
      toolVersion: '0.1.0',
      cwd: '/',
      pagesBaseUrl: 'https://example.org/fcgi-doctor/blob/main/',
    });
    expectValid(published);
    const rules = published.runs[0]!.tool.driver.rules;
    expect(rules[0]!.helpUri).toBe('https://example.org/fcgi-doctor/blob/main/docs/findings/backend-unreachable.md');
    expect(rules[1]!.helpUri).toBeUndefined();
  });

  it('writes the informationUri when there is one, and an empty run when nothing was found', () => {
    const log = buildSarif([], { toolVersion: '0.1.0', informationUri: 'https://example.org/fcgi-doctor', cwd: '/' });
    expectValid(log);
    expect(log.runs[0]!.tool.driver.informationUri).toBe('https://example.org/fcgi-doctor');
    expect(log.runs[0]!.results).toEqual([]);
  });

  it('survives a malformed explanation page', () => {
    const log = buildSarif([located], {
      toolVersion: '0.1.0',
      docFor: () => {
        throw new Error('bad page');
      },
    });
    expectValid(log);
    // The title is the registry's, which needs no page; the help falls back to the finding's own words.
    expect(log.runs[0]!.tool.driver.rules[0]!.shortDescription.text).toBe(findingEntry('options-mixed-syntax')?.title);
    expect(log.runs[0]!.tool.driver.rules[0]!.help?.text).toBe(located.fix);
  });

  it('check --offline --format sarif of the seed vhost is valid SARIF with the lines of the vhost', async () => {
    const r = await run(['check', '--offline', fixture('seed', 'lazy-vhost'), '--format', 'sarif']);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout);
    expectValid(log);
    const mixed = log.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'options-mixed-syntax');
    expect(mixed.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'fixtures/seed/lazy-vhost', uriBaseId: '%SRCROOT%' },
      region: { startLine: 7 },
    });
  });

  it('logs --format sarif is valid SARIF', async () => {
    const r = await run(['logs', join(fixture('logs'), 'mixed-noise.log'), '--format', 'sarif']);
    expect(r.code).toBe(1);
    expectValid(JSON.parse(r.stdout));
  });
});
