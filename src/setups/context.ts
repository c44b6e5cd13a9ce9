/** What every extractor needs to know about the server, computed once. */
import { mainServerValue, runtimeDir, webIdentity, type Directive, type LoadedModule } from '../apache/index.js';
import { everyDirective, handlerDirectives, vhostOfAncestors, type HandlerSection, type Visited } from './common.js';

/** The directives the extractors look at; keeping only these spares a large tree's memory. */
export const SETUP_DIRECTIVES: ReadonlySet<string> = new Set(
  'sethandler addhandler fastcgiserver appclass fastcgiexternalserver externalappclass fastcgiipcdir fastcgiwrapper fastcgisuexec fastcgiconfig alias scriptalias action proxypass proxypassmatch rewriterule balancermember proxy proxyset'.split(
    ' ',
  ),
);

export interface ExtractContext {
  tree: readonly Directive[];
  /** Every directive named in SETUP_DIRECTIVES (live or skipped), in read order. */
  all: readonly Visited[];
  handlers: readonly HandlerSection[];
  /** Every directive (live or skipped) by lower-case name, in read order. */
  byName: ReadonlyMap<string, readonly Visited[]>;
  /** Handlers of the main server (key undefined) and of each vhost. */
  handlersByVhost: ReadonlyMap<Directive | undefined, readonly HandlerSection[]>;
  serverRoot: string;
  runtimeDir: string;
  modules: ReadonlyMap<string, LoadedModule>;
  webUser?: string;
  webGroup?: string;
  mainDocumentRoot?: string;
}

export function extractContext(
  tree: readonly Directive[],
  serverRoot: string,
  modules: readonly LoadedModule[],
): ExtractContext {
  const all = everyDirective(tree, SETUP_DIRECTIVES);
  const id = webIdentity(tree);
  const byName = new Map<string, Visited[]>();
  for (const v of all) {
    const list = byName.get(v.d.name);
    if (list) list.push(v);
    else byName.set(v.d.name, [v]);
  }
  const handlers = handlerDirectives(all);
  const handlersByVhost = new Map<Directive | undefined, HandlerSection[]>();
  for (const h of handlers) {
    const key = vhostOfAncestors(h.ancestors);
    const list = handlersByVhost.get(key);
    if (list) list.push(h);
    else handlersByVhost.set(key, [h]);
  }
  const ctx: ExtractContext = {
    tree,
    all,
    byName,
    handlersByVhost,
    handlers,
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
