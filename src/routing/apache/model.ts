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
}
