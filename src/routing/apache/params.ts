// PLACEHOLDER (issue 14): replaced by the params helper's implementation at merge; must not land at a stop.
import type { BackendChoice, RequestRecord } from './seams.js';

export function backendParams(_rec: RequestRecord, _backend: BackendChoice): Record<string, string> {
  return {};
}
