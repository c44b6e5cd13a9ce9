/**
 * Validators for the report tests: the SARIF 2.1.0 schema (a test fixture:
 * lib/schemas/sarif-2.1.0-rtm.5.json of the npm package @microsoft/jest-sarif
 * 1.0.0-beta.0, MIT, copied unchanged as test/fixtures/sarif-schema-2.1.0.json;
 * draft-04 as OASIS published it) and our own output schema (2020-12).
 */
import { assertNoCrashInOutput } from '../checks/strict.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import AjvDraft7 from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { main } from '../../src/cli/main.js';
import { captureIO, ROOT } from '../client/support.js';

export { ROOT };

const URI = /^[a-z][a-z0-9+.-]*:[^\s]*$/i;
const URI_REFERENCE = /^[^\s]*$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The SARIF schema is draft-04, which ajv 8 does not read as such: the only
 * draft-04 words it uses that changed are `id` (now `$id`) and `$schema`,
 * so those two are rewritten; every constraint stays as published.
 */
export function sarifValidator(): ValidateFunction {
  const schema = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'sarif-schema-2.1.0.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const { id, $schema: _draft4, ...rest } = schema;
  const draft7 = { $schema: 'http://json-schema.org/draft-07/schema#', $id: String(id), ...rest } as Record<
    string,
    unknown
  >;
  const ajv = new (AjvDraft7 as unknown as typeof AjvDraft7.default)({
    allErrors: true,
    strict: false,
    unicodeRegExp: false,
  }); // the published "language" pattern is not valid with the u flag
  ajv.addFormat('uri', URI);
  ajv.addFormat('uri-reference', URI_REFERENCE);
  ajv.addFormat('date-time', DATE_TIME);
  return ajv.compile(draft7);
}

export function outputValidator(): ValidateFunction {
  const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'fcgi-doctor.schema.json'), 'utf8')) as object;
  const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({ allErrors: true, strict: true });
  return ajv.compile(schema);
}

export function errorsText(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
    .join('\n');
}

export async function run(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}) {
  const io = captureIO(opts.stdin ?? '');
  io.env = opts.env ?? {};
  const code = await main(args, io);
  // A crashed step must fail the test, whatever the test then asserts.
  assertNoCrashInOutput(io.stdoutText);
  return { code, stdout: io.stdoutText, stderr: io.stderrText };
}

export const fixture = (...p: string[]) => join(ROOT, 'fixtures', ...p);
