/** The model every configuration check reads, and the shape of a check. */
import type {
  Directive,
  ErrorLogInfo,
  IncludedFile,
  Layout,
  MarkerComment,
  LoadedModule,
  ParseIssue,
  VirtualHostInfo,
} from '../../apache/index.js';
import type { Finding } from '../../findings/finding.js';
import type { FindingId } from '../../findings/registry.js';
import type { FastcgiSetup } from '../../setups/index.js';
import type { NginxAnalysis } from '../nginx/analyze.js';

export interface ConfigModel {
  /** The web server this model is of (absent: Apache). nginx's model is made by src/checks/nginx/analyze.ts. */
  webServer?: 'apache' | 'nginx';
  /** nginx: the configuration, its levels and setups, for the nginx checks and routes of the live steps. */
  nginx?: NginxAnalysis;
  rootFile: string;
  serverRoot: string;
  layout: Layout;
  /** The file the user named (when it is not the root itself). */
  targetFile?: string;
  /**
   * The names under which the server read the named file (a sites-available file read through its
   * sites-enabled symlink): what `check FILE`'s scope matches config locations against.
   */
  targetFileNames?: string[];
  /** Whether the server reads the named file (true when none was named). */
  targetLoaded: boolean;
  /** The named file was not read by the server and was analysed as if it were enabled. */
  targetAnalysedAsEnabled: boolean;
  filesRead: IncludedFile[];
  modulesLoaded: LoadedModule[];
  vhosts: VirtualHostInfo[];
  webUser?: string;
  webGroup?: string;
  errorLogs: ErrorLogInfo[];
  /** DefaultRuntimeDir, absolute. */
  runtimeDir: string;
  defines: Record<string, string>;
  setups: FastcgiSetup[];
  /** The parsed tree (file:line on every directive, skipped branches marked inactive). */
  tree: Directive[];
  /** Problems met while reading, before any check. */
  issues: ParseIssue[];
  /** `# fcgi-doctor: …` comments in the files read (inline suppressions). */
  markerComments: MarkerComment[];
  /** How the root was found, and anything the analysis could not settle. */
  notes: string[];
}

export interface ConfigCheckContext {
  model: ConfigModel;
}

export interface ConfigCheck {
  ids: readonly FindingId[];
  run(ctx: ConfigCheckContext): Finding[];
}
