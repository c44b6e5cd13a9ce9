/** What every extractor needs to know about the server, computed once. */
import { mainServerValue, runtimeDir, webIdentity, type Directive, type LoadedModule } from '../apache/index.js';
import { everyDirective, handlerDirectives, type HandlerSection, type Visited } from './common.js';

export interface ExtractContext {
  tree: readonly Directive[];
  all: readonly Visited[];
  handlers: readonly HandlerSection[];
  serverRoot: string;
  runtimeDir: string;
  modules: ReadonlyMap<string, LoadedModule>;
  webUser?: string;
  webGroup?: string;
  mainDocumentRoot?: string;
}

export function extractContext(tree: readonly Directive[], serverRoot: string, modules: readonly LoadedModule[]): ExtractContext {
  const all = everyDirective(tree);
  const id = webIdentity(tree);
  const ctx: ExtractContext = {
    tree,
    all,
    handlers: handlerDirectives(all),
    serverRoot,
    runtimeDir: runtimeDir(tree, serverRoot),
    modules: new Map(modules.map((m) => [m.id, m])),
  };
  if (id.user) ctx.webUser = id.user;
  if (id.group) ctx.webGroup = id.group;
  const root = mainServerValue(tree, 'documentroot')?.args[0];
  if (root) ctx.mainDocumentRoot = root;
  return ctx;
}
