/**
 * fcgi-doctor's log reader: the rule catalog (rules/*.yaml) and the matcher that scans
 * error logs against it. Nothing here prints; src/cli and src/report do.
 */
export { loadCatalog, explainRule, explainFinding, listRules, RuleError, type Catalog } from './catalog.js';
export type { Rule, RuleExplanation, RuleSummary } from './rule.js';
export { scanLogs, matchLine, type ScanOptions, type ScanResult, type LineVerdict } from './scan.js';
export type { ScanStats } from './scanner.js';
export type { MatchGroup } from './aggregate.js';
export type { LogNotice } from './notices.js';
export { rotatedLogPaths, rotatedLogSources, sourceName, type LogSource } from './sources.js';
export { parseSince } from './timestamps.js';
export { parseEnvelope, type Envelope } from './envelope.js';
export { defaultRulesDir } from './rulesDir.js';
