/**
 * The validator of `--format jsonl` lines (schema/fcgi-doctor.jsonl.schema.json,
 * which refers to the JSON output's schema for the members they share), and a
 * reader of such output that insists on one JSON object per line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { expect } from 'vitest';
import { ROOT } from '../client/support.js';
import { errorsText } from './support.js';

const schemaFile = (name: string) => JSON.parse(readFileSync(join(ROOT, 'schema', name), 'utf8')) as object;

export function jsonlValidator(): ValidateFunction {
  const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({ allErrors: true, strict: true });
  // The JSON schema has no $id of its own: it is known here by its file name, which the jsonl schema's $refs use.
  ajv.addSchema(schemaFile('fcgi-doctor.schema.json'), 'fcgi-doctor.schema.json');
  return ajv.compile(schemaFile('fcgi-doctor.jsonl.schema.json'));
}

export type JsonlLine = Record<string, unknown> & { kind: string };

/**
 * stdout as jsonl: every line one JSON object that holds to the schema, the
 * output ending in a newline, and the last line (only the last) a summary.
 */
export function readJsonl(stdout: string, validate: ValidateFunction): JsonlLine[] {
  expect(stdout.endsWith('\n'), stdout).toBe(true);
  const lines = stdout.slice(0, -1).split('\n');
  const parsed = lines.map((l) => {
    const value = JSON.parse(l) as JsonlLine;
    expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
    expect(validate(value), `${l.slice(0, 300)}\n${errorsText(validate.errors)}`).toBe(true);
    return value;
  });
  expect(parsed.map((p) => p.kind === 'summary')).toEqual(parsed.map((_, i) => i === parsed.length - 1));
  return parsed;
}
