/**
 * The build's compile step: every source the commands look things up in —
 * rules/*.yaml (the log catalog), docs/findings/*.md (the explanation pages) —
 * read, validated and turned into one plain-data module (CatalogData), which
 * scripts/bundle.mjs writes into the bundle. A broken file fails the build.
 *
 * To add a source: one line in CATALOG_SOURCES and its field in CatalogData.
 */
import { join } from 'node:path';
import type { FindingDocPage } from '../findings/docs.js';
import { readFindingDocs } from '../findings/docSource.js';
import type { RuleFile } from '../logs/rule.js';
import { loadRulesDir, readRuleFiles } from '../logs/ruleSource.js';

export interface CatalogData {
  /** rules/*.yaml as written, validated against rules/schema.json, sorted by file name. */
  rules: RuleFile[];
  /** docs/findings/*.md: front matter and body, sorted by id. */
  docs: FindingDocPage[];
}

/** Each part of the data, from the package root. */
export const CATALOG_SOURCES: { [K in keyof CatalogData]: (root: string) => CatalogData[K] } = {
  rules: (root) => {
    const dir = join(root, 'rules');
    loadRulesDir(dir); // compiles every pattern too: a rule that cannot match fails here, not in a user's run
    return readRuleFiles(dir).map((r) => r.raw);
  },
  docs: (root) => readFindingDocs(join(root, 'docs', 'findings')).map(({ file: _file, ...page }) => page),
};

/** Reads and checks every source under the package root `root`; throws naming the first file at fault. */
export function compileCatalog(root: string): CatalogData {
  const data: Partial<CatalogData> = {};
  for (const key of Object.keys(CATALOG_SOURCES) as Array<keyof CatalogData>) {
    (data as Record<string, unknown>)[key] = CATALOG_SOURCES[key](root);
  }
  return data as CatalogData;
}
