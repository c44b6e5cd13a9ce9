/**
 * Reading rules/*.yaml: YAML parsing and validation against rules/schema.json (ajv).
 * Build time and tests only: the build compiles the rules once (src/catalog) and
 * the commands load that, so neither the YAML library nor ajv runs in a command.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { catalogFromFiles, RuleError, type Catalog } from './catalog.js';
import type { RuleFile } from './rule.js';

/** Every rules/*.yaml of `dir`, sorted by name, each validated; throws a RuleError naming the first file and field at fault. */
export function readRuleFiles(dir: string): Array<{ file: string; raw: RuleFile }> {
  const validate = compileSchema(dir);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((name) => {
      const file = join(dir, name);
      const raw = readRuleFile(file);
      if (!validate(raw)) throw schemaError(file, validate.errors ?? []);
      return { file, raw: raw as RuleFile };
    });
}

/** A directory of rule files as a catalog, fully checked (schema, patterns, ids): what the build runs. */
export function loadRulesDir(dir: string): Catalog {
  return catalogFromFiles(dir, readRuleFiles(dir));
}

type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

function compileSchema(dir: string): Validator {
  const schemaFile = join(dir, 'schema.json');
  let schema: unknown;
  try {
    schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
  } catch (e) {
    throw new RuleError(schemaFile, '(file)', (e as Error).message);
  }
  const ajv = new Ajv({ allErrors: false, strict: true });
  return ajv.compile(schema as object);
}

function readRuleFile(file: string): unknown {
  try {
    return parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RuleError(file, '(file)', `not valid YAML: ${(e as Error).message.split('\n')[0] ?? ''}`);
  }
}

function schemaError(file: string, errors: readonly ErrorObject[]): RuleError {
  const e = errors[0];
  if (!e) return new RuleError(file, '(file)', 'does not match rules/schema.json');
  const missing =
    e.keyword === 'required' ? String((e.params as { missingProperty?: string }).missingProperty) : undefined;
  const extra =
    e.keyword === 'additionalProperties'
      ? String((e.params as { additionalProperty?: string }).additionalProperty)
      : undefined;
  const path = e.instancePath
    .replace(/^\//, '')
    .replace(/\/(\d+)/g, '[$1]')
    .replace(/\//g, '.');
  const field = missing ?? extra ?? (path || '(file)');
  const detail = missing ? 'is required' : extra ? 'is not a known field' : (e.message ?? 'is invalid');
  return new RuleError(file, field, detail);
}
