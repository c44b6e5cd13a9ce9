/**
 * The live machine behind interfaces. `liveSystem()` reads the real one;
 * `fixtureSystem(data)` is a machine made of plain data for unit tests.
 */
import { liveConnector } from './connect.js';
import { liveFileSystem } from './fileSystem.js';
import { liveAccessOracle } from './kernelAccess.js';
import { DEFAULT_POOL_GLOBS, fpmMasterCommands, fpmPoolsFrom } from './fpmPools.js';
import { liveNetwork } from './network.js';
import { liveMachineMemory, liveProcesses } from './processes.js';
import { liveSockets } from './sockets.js';
import type { SystemProbes } from './types.js';
import { liveUsers } from './users.js';
import { liveDirReader } from './walk.js';

export * from './types.js';
export {
  confirmedAccess,
  confirmedAccessOne,
  mayAccess,
  mayConnect,
  mayCreateIn,
  mayExecute,
  modeString,
  octal,
  permClass,
  permits,
} from './access.js';
export type { AccessRequest, AccessStep, AccessVerdict, Bit, PermClass, Principal } from './access.js';
export { fileSystemAs } from './asUser.js';
export { fixtureAccessOracle, liveAccessOracle, type LiveAccessOracleOptions } from './kernelAccess.js';
export { DEFAULT_POOL_GLOBS, fpmMasterCommands, fpmPoolOf, type FpmPoolsOptions } from './fpmPools.js';
export { fpmFileReaderOf } from './fpmReader.js';
export { expandGlob } from './glob.js';
export { parseProcNetTcp, parseProcNetUnix } from './netParse.js';
export {
  parseBootTime,
  parseCmdline,
  parseMemInfo,
  parseProcStat,
  parseProcStatus,
  parseSmapsRollupPss,
  parseStatusRss,
  socketInodeOf,
} from './procParse.js';
export { parseGroup, parsePasswd, usersFromText } from './users.js';
export { identityOf, resolveGroupId } from './groups.js';
export { socketsInDir, socketsNear, type SocketsInDir } from './socketDir.js';
export {
  apacheServerSoftware,
  apacheServerVersion,
  moduleVersionComponents,
  NGINX_BINARIES,
  nginxServerVersion,
  parseNginxVersion,
  parseServerVersion,
  type ModuleFile,
  type ServerSoftware,
} from './serverVersion.js';
export {
  DEFAULT_WALK_LIMITS,
  fsDirReader,
  liveDirReader,
  parseMountInfo,
  skippedFsType,
  walkFiles,
} from './walk.js';
export type { DirEntry, DirReader, MountEntry, WalkLimits, WalkResult, WalkedFile } from './walk.js';
export { SUN_PATH_MAX } from '../util/unixPath.js';

export interface LiveSystemOptions {
  /** /proc (default '/proc'). */
  proc?: string;
  passwdFile?: string;
  groupFile?: string;
  /** php-fpm.conf files (globs allowed) read besides the installations found. */
  fpmConfigs?: string[];
  /** Pool file globs read alone, replacing the usual pool.d of the Debian, RHEL and Docker layouts. */
  poolGlobs?: string[];
}

export function liveSystem(options: LiveSystemOptions = {}): SystemProbes {
  const fs = liveFileSystem();
  const processes = liveProcesses(options.proc);
  const users = liveUsers(options.passwdFile, options.groupFile);
  return {
    fs,
    users,
    processes,
    sockets: liveSockets(processes, options.proc),
    fpm: fpmPoolsFrom(fs, {
      configs: options.fpmConfigs ?? [],
      poolGlobs: options.poolGlobs ?? DEFAULT_POOL_GLOBS,
      masters: () => fpmMasterCommands(processes, fs),
      readerUser: () => users.userName(processes.viewer().euid),
    }),
    connector: liveConnector(),
    network: liveNetwork(),
    dirs: liveDirReader(options.proc),
    memory: liveMachineMemory(options.proc),
    access: liveAccessOracle(),
  };
}
