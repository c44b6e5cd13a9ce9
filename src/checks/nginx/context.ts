/** The shape of an nginx configuration check: the analysis in, findings out. */
import type { Finding } from '../../findings/finding.js';
import type { FindingId } from '../../findings/registry.js';
import type { NginxAnalysis } from './analyze.js';

export interface NginxCheck {
  ids: readonly FindingId[];
  run(a: NginxAnalysis): Finding[];
}
