/**
 * What the Apache routing model reads: the parsed configuration (the tree
 * with file:line on every directive, the modules loaded, the vhosts, the
 * FastCGI setups) and the live filesystem behind system's interface. The
 * checks' ConfigModel satisfies this shape; routing never imports checks.
 */
import type { Directive, LoadedModule, VirtualHostInfo } from '../../apache/index.js';
import type { FastcgiSetup } from '../../setups/types.js';
import type { FileSystem } from '../../system/types.js';

export interface ApacheRoutingModel {
  tree: readonly Directive[];
  serverRoot: string;
  modulesLoaded: readonly LoadedModule[];
  vhosts: readonly VirtualHostInfo[];
  setups: readonly FastcgiSetup[];
  /** The server's Defines at the end of reading (Apache expands ${NAME} in .htaccess with them). */
  defines?: Readonly<Record<string, string>>;
}

export interface ApacheRouteOptions {
  /** Every file question (stat, .htaccess, DirectoryIndex, PATH_INFO) goes through here. */
  fs: FileSystem;
  /** What `apache2 -v` says ("Apache/2.4.62 (Debian)"), for SERVER_SOFTWARE and SERVER_SIGNATURE; unknown when absent. */
  serverSoftware?: string;
  /** Who Apache's children run as (User/Group): whether they may read a .htaccess the doctor can read. */
  webServerUser?: { uid: number; gid: number; groups: readonly number[] };
  /**
   * The version components the loaded modules add to the banner under
   * ServerTokens Full ("mod_fcgid/2.3.9"), in order; [] for none, absent when
   * unknown (system/serverVersion.ts moduleVersionComponents finds them).
   */
  serverComponents?: readonly string[];
  /**
   * Apache's own process environment (what its master was started with),
   * when known: ap_add_common_vars sends its PATH (and LD_LIBRARY_PATH) when
   * no SetEnv gives one, and PassEnv copies from it. Unknown when absent:
   * PATH is then named in `uncertain`.
   */
  environment?: Readonly<Record<string, string>>;
}
