/**
 * SARIF 2.1.0 for findings: what GitHub code scanning (and other SARIF
 * viewers) read. A finding with a file and a line becomes an alert on that
 * line; one without a location is still a result, shown without a place.
 * Rule metadata comes from the registry of finding ids (title, default
 * severity, page) and the explanation pages (docs/findings/ID.md).
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FindingDoc } from '../findings/docs.js';
import { loadFindingDoc } from '../findings/docs.js';
import type { Finding, Severity } from '../findings/finding.js';
import { findingEntry } from '../findings/ids.js';
import { FINDING_PAGES_BASE_URL, findingPagePath } from '../findings/registry.js';
import type { SuppressedFinding } from '../findings/suppress.js';
import { capText, evidenceLines, foldRepeats, SHOWN } from './cap.js';
import { escapeJsonText } from './escape.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

export type SarifLevel = 'error' | 'warning' | 'note';

export interface SarifOptions {
  toolVersion: string;
  /** the tool's home page; omitted from the log when there is none */
  informationUri?: string;
  /** locations under this directory become relative URIs (GitHub needs repository-relative paths); default process.cwd() */
  cwd?: string;
  /** the explanation page of an id; default: loadFindingDoc, undefined for an id without a page */
  docFor?: (id: string) => FindingDoc | undefined;
  /** false when the tool could not do its job (exit status 2) */
  executionSuccessful?: boolean;
  /** why it could not (a step that crashed), as the invocation's error notifications */
  notifications?: readonly string[];
  /**
   * Where the pages are published (the repository's web address): a rule's
   * helpUri is this plus its page's path. Default FINDING_PAGES_BASE_URL; when
   * empty, no helpUri (SARIF wants an absolute URI there) and the page's path
   * is in the rule's properties and help instead.
   */
  pagesBaseUrl?: string;
  /** findings taken out by a suppression: results with `suppressions`, which viewers show as dismissed */
  suppressed?: readonly SuppressedFinding[];
}

interface SarifMessage {
  text: string;
  markdown?: string;
}

export interface SarifRule {
  id: string;
  shortDescription: SarifMessage;
  fullDescription?: SarifMessage;
  help?: SarifMessage;
  helpUri?: string;
  defaultConfiguration: { level: SarifLevel };
  properties?: { page: string; parts: readonly string[]; contract: boolean };
}

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: SarifMessage;
  locations?: Array<{
    physicalLocation: {
      artifactLocation: { uri: string; uriBaseId?: string };
      region?: { startLine: number };
    };
  }>;
  properties?: Record<string, unknown>;
  /** SARIF 2.1.0 §3.27.23: present on a suppressed result */
  suppressions?: Array<{
    kind: 'inSource' | 'external';
    status: 'accepted';
    justification: string;
    properties: { source: string };
  }>;
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: Array<{
    tool: {
      driver: { name: string; version: string; semanticVersion: string; informationUri?: string; rules: SarifRule[] };
    };
    originalUriBaseIds?: Record<string, { uri: string }>;
    invocations: Array<{
      executionSuccessful: boolean;
      toolExecutionNotifications?: Array<{ level: 'error'; message: SarifMessage }>;
    }>;
    results: SarifResult[];
    /** results of one kind beyond the first hundred, counted (full list: --format json) */
    properties?: { omittedResults: Array<{ ruleId: string; title: string; count: number }> };
  }>;
}

export function sarifLevel(severity: Severity): SarifLevel {
  return severity === 'error' ? 'error' : severity === 'warning' ? 'warning' : 'note';
}

const SRCROOT = '%SRCROOT%';

/** A file as a URI reference: relative to `cwd` (with %SRCROOT%) when inside it, else an absolute file: URI. */
export function artifactUri(file: string, cwd: string): { uri: string; uriBaseId?: string } {
  const abs = path.resolve(cwd, file);
  const rel = path.relative(cwd, abs);
  if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) {
    return { uri: rel.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
  }
  return { uri: pathToFileURL(abs).href };
}

/** The text of one `## ` section of a page, without its heading. */
function section(body: string, heading: string): string | undefined {
  const lines = body.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  if (start === -1) return undefined;
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  const text = lines
    .slice(start + 1, end === -1 ? undefined : end)
    .join('\n')
    .trim();
  return text || undefined;
}

/** Markdown reduced to plain text for viewers that show `text` only: no emphasis or code marks. */
function plain(markdown: string): string {
  return markdown
    .replace(/^```.*$/gm, '')
    .replace(/^## (.*)$/gm, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .trim();
}

function safeDoc(docFor: (id: string) => FindingDoc | undefined, id: string): FindingDoc | undefined {
  try {
    return docFor(id);
  } catch {
    // A malformed page is a packaging bug that `explain` reports; the SARIF log still carries the finding.
    return undefined;
  }
}

function ruleFor(f: Finding, doc: FindingDoc | undefined, pagesBaseUrl: string): SarifRule {
  // The registry has every id a finding can carry; the page adds the words.
  const entry = findingEntry(f.id);
  const title = entry?.title ?? doc?.title ?? capText(f.title, SHOWN.title);
  const rule: SarifRule = {
    id: f.id,
    shortDescription: { text: title },
    defaultConfiguration: { level: sarifLevel(entry?.severity ?? doc?.severity ?? f.severity) },
  };
  const page = findingPagePath(f.id);
  if (entry) {
    if (pagesBaseUrl) rule.helpUri = `${pagesBaseUrl.replace(/\/+$/, '')}/${page}`;
    rule.properties = { page, parts: entry.parts, contract: entry.contract === true };
  }
  if (doc) {
    const meaning = section(doc.body, 'What it means') ?? doc.body;
    rule.fullDescription = { text: plain(meaning) };
    rule.help = {
      text: plain(doc.body),
      markdown: `# ${title}\n\n${doc.body.trim()}\n\nMore: \`fcgi-doctor explain ${doc.id}\` (${page})`,
    };
  } else {
    rule.fullDescription = { text: capText(f.title, SHOWN.title) };
    rule.help = { text: capText(f.fix ?? f.message, SHOWN.text) };
  }
  return rule;
}

/** Cut like the text report (cap.ts): code scanning shows it to people; JSON has it all. */
function messageOf(f: Finding): SarifMessage {
  const parts = [capText(f.title, SHOWN.title), capText(f.message, SHOWN.text)];
  if (f.evidence.length) parts.push(evidenceLines(f.evidence).join('\n'));
  if (f.fix) parts.push(`Fix: ${capText(f.fix, SHOWN.text)}`);
  return { text: parts.join('\n\n') };
}

export function buildSarif(findings: readonly Finding[], opts: SarifOptions): SarifLog {
  const cwd = opts.cwd ?? process.cwd();
  const docFor = opts.docFor ?? ((id: string) => loadFindingDoc(id));
  const rules: SarifRule[] = [];
  const ruleIndex = new Map<string, number>();
  let relative = false;
  // Many of one kind become a hundred alerts and a count (cap.ts): code scanning shows each result.
  const { shown, folded } = foldRepeats(findings, SHOWN.sarifResultsPerKind);
  const resultOf = (f: Finding): SarifResult => {
    let index = ruleIndex.get(f.id);
    if (index === undefined) {
      index = rules.length;
      ruleIndex.set(f.id, index);
      rules.push(ruleFor(f, safeDoc(docFor, f.id), opts.pagesBaseUrl ?? FINDING_PAGES_BASE_URL));
    }
    const result: SarifResult = {
      ruleId: f.id,
      ruleIndex: index,
      level: sarifLevel(f.severity),
      message: messageOf(f),
    };
    if (f.location?.file) {
      const artifactLocation = artifactUri(f.location.file, cwd);
      if (artifactLocation.uriBaseId) relative = true;
      const physicalLocation: NonNullable<SarifResult['locations']>[number]['physicalLocation'] = { artifactLocation };
      if (f.location.line !== undefined && f.location.line >= 1)
        physicalLocation.region = { startLine: f.location.line };
      result.locations = [{ physicalLocation }];
    }
    const properties: Record<string, unknown> = {};
    if (f.setup) properties.setup = f.setup;
    if (f.location?.includedFrom?.length) properties.includedFrom = f.location.includedFrom;
    if (Object.keys(properties).length) result.properties = properties;
    return result;
  };
  const results = shown.map(resultOf);
  // Suppressed results are bounded per id like the others: JSON lists them all.
  const perId = new Map<string, number>();
  for (const { finding, entry } of opts.suppressed ?? []) {
    const n = (perId.get(finding.id) ?? 0) + 1;
    perId.set(finding.id, n);
    if (n > SHOWN.sarifResultsPerKind) continue;
    results.push({
      ...resultOf(finding),
      suppressions: [
        { kind: entry.kind, status: 'accepted', justification: entry.reason, properties: { source: entry.source } },
      ],
    });
  }
  const driver: SarifLog['runs'][number]['tool']['driver'] = {
    name: 'fcgi-doctor',
    version: opts.toolVersion,
    semanticVersion: opts.toolVersion,
    rules,
  };
  if (opts.informationUri) driver.informationUri = opts.informationUri;
  const invocation: SarifLog['runs'][number]['invocations'][number] = {
    executionSuccessful: opts.executionSuccessful ?? true,
  };
  if (opts.notifications?.length)
    invocation.toolExecutionNotifications = opts.notifications.map((text) => ({ level: 'error', message: { text } }));
  const run: SarifLog['runs'][number] = {
    tool: { driver },
    invocations: [invocation],
    results,
  };
  if (folded.length)
    run.properties = { omittedResults: folded.map((k) => ({ ruleId: k.id, title: k.title, count: k.more })) };
  if (relative) run.originalUriBaseIds = { [SRCROOT]: { uri: `${pathToFileURL(cwd).href.replace(/\/?$/, '/')}` } };
  return { $schema: SARIF_SCHEMA_URI, version: '2.1.0', runs: [run] };
}

export function formatSarif(findings: readonly Finding[], opts: SarifOptions): string {
  return `${escapeJsonText(JSON.stringify(buildSarif(findings, opts), null, 2))}\n`;
}
