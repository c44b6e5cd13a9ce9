/**
 * The sites a configuration serves, as discovery needs them: each vhost (and
 * the main server, when it has a DocumentRoot) with the URL base a browser
 * would use, the directories its URLs map to (DocumentRoot, Alias and
 * ScriptAlias targets: the main server's too, which mod_alias merges into
 * every vhost) and its DirectoryIndex names.
 */
import * as path from 'node:path';
import {
  collectInScope,
  flatTree,
  mainServerValue,
  resolveServerPath,
  type Directive,
  type VirtualHostInfo,
} from '../../apache/index.js';
import type { ConfigModel } from '../config/context.js';

export interface SiteRoot {
  /** URL path prefix ("/" for DocumentRoot, "/cgi-bin/" for a ScriptAlias). */
  urlPath: string;
  dir: string;
  /** The line that maps it, for evidence. */
  at: { file: string; line: number; text: string };
}

export interface Site {
  /** undefined: the main server. */
  vhost?: VirtualHostInfo;
  /** "vhost blog.example.org (/etc/apache2/sites-enabled/blog.conf:1)" */
  label: string;
  scheme: 'http' | 'https';
  host: string;
  port: number;
  roots: SiteRoot[];
  directoryIndex: string[];
}

/** mod_dir's compiled-in default. */
const DEFAULT_INDEX = ['index.html'];

function portOf(addresses: readonly string[], fallback: number): number {
  for (const a of addresses) {
    const m = /:(\d+)$/.exec(a);
    if (m?.[1]) return Number(m[1]);
  }
  return fallback;
}

function listenPort(tree: readonly Directive[]): number {
  for (const { d } of collectInScope(tree, 'listen', undefined)) {
    const m = /(?:^|:)(\d+)$/.exec(d.args[0] ?? '');
    if (m?.[1]) return Number(m[1]);
  }
  return 80;
}

/** The <VirtualHost> sections by file:line, built once per tree (a 5,000-vhost server must not search the tree per vhost). */
const vhostNodes = new WeakMap<readonly Directive[], Map<string, Directive>>();

function vhostNode(model: ConfigModel, v: VirtualHostInfo): Directive | undefined {
  let byLine = vhostNodes.get(model.tree);
  if (!byLine) {
    byLine = new Map();
    for (const d of flatTree(model.tree).nodes) if (d.name === 'virtualhost') byLine.set(`${d.file}:${d.line}`, d);
    vhostNodes.set(model.tree, byLine);
  }
  return byLine.get(`${v.file}:${v.line}`);
}

function unquote(s: string): string {
  return s.replace(/^"(.*)"$/, '$1');
}

function aliasRoots(model: ConfigModel, vhost: Directive | undefined): SiteRoot[] {
  const out: SiteRoot[] = [];
  for (const name of ['alias', 'scriptalias']) {
    for (const { d, chain } of collectInScope(model.tree, name, vhost)) {
      // Alias inside <Location> (2.4.13+ one-argument form) names no URL prefix here.
      if (chain.some((c) => c.isSection && c.name !== 'ifmodule' && c.name !== 'ifdefine' && c.name !== 'ifversion'))
        continue;
      const [from, to] = d.args;
      if (!from || !to) continue;
      out.push({
        urlPath: from,
        dir: resolveServerPath(model.serverRoot, unquote(to)).replace(/\/+$/, '') || '/',
        at: { file: d.file, line: d.line, text: `${d.written} ${d.args.join(' ')}` },
      });
    }
  }
  return out;
}

function indexNames(model: ConfigModel, vhost: Directive | undefined): string[] {
  let names = DEFAULT_INDEX;
  for (const { d, chain } of collectInScope(model.tree, 'directoryindex', vhost)) {
    if (chain.some((c) => c.isSection && (c.name === 'directory' || c.name === 'location'))) continue;
    if (d.args.length === 1 && d.args[0]?.toLowerCase() === 'disabled') names = [];
    else names = d.args.map(unquote).filter((a) => !a.startsWith('/'));
  }
  return names;
}

export function sitesOf(model: ConfigModel, only?: (v: VirtualHostInfo) => boolean): Site[] {
  const out: Site[] = [];
  const mainPort = listenPort(model.tree);
  const mainName = mainServerValue(model.tree, 'servername')?.args[0];
  for (const v of model.vhosts) {
    if (only && !only(v)) continue;
    const node = vhostNode(model, v);
    if (!node) continue;
    const port = portOf(v.addresses, mainPort);
    const host = (v.serverName ?? v.serverAliases.find((a) => !/[*?]/.test(a)) ?? mainName ?? 'localhost').replace(
      /:\d+$/,
      '',
    );
    const roots: SiteRoot[] = [];
    const docroot = v.documentRoot ?? mainServerValue(model.tree, 'documentroot')?.args[0];
    if (docroot) {
      const dr = collectInScope(model.tree, 'documentroot', node).at(-1)?.d;
      roots.push({
        urlPath: '/',
        dir: resolveServerPath(model.serverRoot, unquote(docroot)).replace(/\/+$/, '') || '/',
        at: dr
          ? { file: dr.file, line: dr.line, text: `DocumentRoot ${dr.args.join(' ')}` }
          : { file: v.file, line: v.line, text: 'DocumentRoot' },
      });
    }
    roots.push(...aliasRoots(model, node));
    out.push({
      vhost: v,
      label: `vhost ${v.serverName ?? v.addresses.join(' ')} (${v.file}:${v.line})`,
      scheme: port === 443 ? 'https' : 'http',
      host,
      port,
      roots,
      directoryIndex: indexNames(model, node),
    });
  }
  const dr = mainServerValue(model.tree, 'documentroot');
  // The main server is a site of its own only when every vhost is asked for.
  if (dr?.args[0] && !only) {
    out.push({
      label: 'the main server',
      scheme: mainPort === 443 ? 'https' : 'http',
      host: (mainName ?? 'localhost').replace(/:\d+$/, ''),
      port: mainPort,
      roots: [
        {
          urlPath: '/',
          dir: resolveServerPath(model.serverRoot, unquote(dr.args[0])).replace(/\/+$/, '') || '/',
          at: { file: dr.file, line: dr.line, text: `DocumentRoot ${dr.args.join(' ')}` },
        },
        ...aliasRoots(model, undefined),
      ],
      directoryIndex: indexNames(model, undefined),
    });
  }
  return out;
}

/** The URL path of a file under a root ("/srv/blog" + "/srv/blog/a b.php" → "/a%20b.php"). */
export function urlPathOf(root: SiteRoot, file: string): string {
  const rel = path.posix.relative(root.dir, file);
  const joined = root.urlPath.endsWith('/') ? root.urlPath + rel : `${root.urlPath}/${rel}`;
  return joined.split('/').map(encodeURIComponent).join('/');
}
