import type { ConfigModel } from './context.js';

/**
 * The model when the configuration could not be read at all (a crash of the reader):
 * nothing in it but what the caller knows (Apache's and nginx's analyses share it).
 */
export function emptyConfigModel(
  known: Partial<ConfigModel> & Pick<ConfigModel, 'rootFile' | 'serverRoot'>,
): ConfigModel {
  return {
    layout: 'custom',
    targetLoaded: false,
    targetAnalysedAsEnabled: false,
    filesRead: [],
    modulesLoaded: [],
    vhosts: [],
    errorLogs: [],
    runtimeDir: '',
    defines: {},
    setups: [],
    tree: [],
    issues: [],
    markerComments: [],
    notes: [],
    ...known,
  };
}
