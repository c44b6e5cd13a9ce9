/** What every live probe reads, and the shape of a probe check. */
import type { Finding } from '../../findings/finding.js';
import type { FindingId } from '../../findings/registry.js';
import type { FastcgiSetup } from '../../setups/index.js';
import type { ConnectOutcome, SystemProbes } from '../../system/index.js';
import type { ConfigModel } from '../config/context.js';
import type { Discovery } from '../discovery/discover.js';
import type { Facts } from './facts.js';

export interface ProbeContext {
  model: ConfigModel;
  /** The setups to probe: active, and served by a loaded module (or the module set is unknown). */
  setups: FastcgiSetup[];
  system: SystemProbes;
  /** Epoch milliseconds, for "started N seconds ago". */
  now: number;
  /** What was learnt once for all checks: the web user, the Apache instance, FPM pools, listeners. */
  facts: Facts;
  /** Bare connect results by endpoint key ("unix:/path", "tcp:host:port"), made before the checks run. */
  connects: Map<string, ConnectOutcome>;
  /** Error findings of the configuration step (to say why a server that is down would not start). */
  configFindings: readonly Finding[];
  /** Records something the probes could not see ("not visible to user X; run with sudo"). */
  notice(text: string): void;
  /** The scripts each site really serves (bounded walk + routes), when discovery ran. */
  discovery?: Discovery;
}

export interface ProbeCheck {
  ids: readonly FindingId[];
  /**
   * Ids whose configuration findings this check answers: where the configuration can only
   * say "may" (socket-in-private-tmp), the live machine shows whether it is so, and the
   * check's findings replace the configuration's.
   */
  answers?: readonly FindingId[];
  run(ctx: ProbeContext): Finding[];
}
