import { headerValue, type CgiResponse } from './cgiResponse.js';

/** What `ping --expect-*` asks of a response. */
export interface Expectations {
  status?: number[];
  body?: RegExp;
  headers?: Array<{ name: string; pattern: RegExp }>;
}

export interface ExpectationResult {
  what: string;
  held: boolean;
  /** what was actually seen, for the report */
  actual: string;
}

function preview(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Without --expect-status, a status of 2xx or 3xx is expected: a backend
 * answering 404 or 500 is not healthy, whatever else it says.
 */
export function evaluateExpectations(response: CgiResponse, expect: Expectations): ExpectationResult[] {
  const results: ExpectationResult[] = [];
  const statuses = expect.status;
  results.push({
    what: statuses ? `status ${statuses.join(' or ')}` : 'status 2xx or 3xx',
    held: statuses ? statuses.includes(response.status) : response.status >= 200 && response.status < 400,
    actual: `status ${response.status}`,
  });
  if (expect.body) {
    const body = response.body.toString('utf8');
    results.push({
      what: `body matches /${expect.body.source}/`,
      held: expect.body.test(body),
      actual: `body ${JSON.stringify(preview(body))}`,
    });
  }
  for (const { name, pattern } of expect.headers ?? []) {
    const value = headerValue(response, name);
    results.push({
      what: `header ${name} matches /${pattern.source}/`,
      held: value !== undefined && pattern.test(value),
      actual: value === undefined ? `no ${name} header` : `${name}: ${preview(value)}`,
    });
  }
  return results;
}
