// Types of scripts/log-coverage.mjs, for test/logs/coverage.test.ts.
export interface InventoryEntry {
  software: string;
  source: string;
  level: string;
  message: string;
  sample?: string;
  rule?: string;
  omitted?: string;
}
export const INVENTORY: string;
export const TABLE: string;
export function readInventory(root: string): InventoryEntry[];
export function readRuleFindings(root: string): Map<string, string>;
export function inventoryProblems(
  entries: readonly Partial<InventoryEntry>[],
  findings: ReadonlyMap<string, string>,
): string[];
export function renderCoverage(root: string): string;
