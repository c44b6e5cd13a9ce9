#!/usr/bin/env node
/**
 * Generates src/nginx/directiveTable.ts from nginx's own source: the
 * ngx_command_t array of each module (name, type bits: contexts and argument
 * counts, set handler) in the order Debian's nginx 1.22 links them.
 *
 *   git -C <nginx checkout> archive release-1.22.1 src | tar -x -C /tmp/nginx
 *   node scripts/nginx-directives.mjs /tmp/nginx/src > src/nginx/directiveTable.ts && npm run format
 *
 * Every `#if` inside these arrays (NGX_HTTP_SSL, NGX_HTTP_CACHE, NGX_HTTP_GZIP,
 * NGX_HAVE_OPENAT, NGX_STREAM_SSL) is true in Debian's build, so all entries are kept.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const srcDir = process.argv[2];
if (!srcDir) {
  process.stderr.write('usage: nginx-directives.mjs <nginx src dir>\n');
  process.exit(2);
}

/** The static modules in link order: ngx_module_names of /usr/sbin/nginx (Debian 1.22.1-9). */
const STATIC = `ngx_core_module ngx_errlog_module ngx_conf_module ngx_openssl_module ngx_regex_module ngx_events_module
ngx_event_core_module ngx_epoll_module ngx_thread_pool_module ngx_http_module ngx_http_core_module ngx_http_log_module
ngx_http_upstream_module ngx_http_v2_module ngx_http_static_module ngx_http_gzip_static_module
ngx_http_dav_module ngx_http_autoindex_module ngx_http_index_module ngx_http_random_index_module ngx_http_mirror_module
ngx_http_try_files_module ngx_http_auth_request_module ngx_http_auth_basic_module ngx_http_access_module
ngx_http_limit_conn_module ngx_http_limit_req_module ngx_http_realip_module ngx_http_geo_module ngx_http_map_module
ngx_http_split_clients_module ngx_http_referer_module ngx_http_rewrite_module ngx_http_ssl_module ngx_http_proxy_module
ngx_http_fastcgi_module ngx_http_uwsgi_module ngx_http_scgi_module ngx_http_grpc_module ngx_http_memcached_module
ngx_http_empty_gif_module ngx_http_browser_module ngx_http_secure_link_module ngx_http_flv_module ngx_http_mp4_module
ngx_http_upstream_hash_module ngx_http_upstream_zone_module ngx_http_stub_status_module ngx_http_write_filter_module
ngx_http_header_filter_module ngx_http_v2_filter_module ngx_http_gzip_filter_module ngx_http_ssi_filter_module
ngx_http_sub_filter_module ngx_http_gunzip_filter_module ngx_http_userid_filter_module ngx_http_copy_filter_module
ngx_http_slice_filter_module ngx_http_upstream_ip_hash_module ngx_http_upstream_least_conn_module
ngx_http_upstream_random_module ngx_http_upstream_keepalive_module ngx_http_chunked_filter_module
ngx_http_range_header_filter_module ngx_http_postpone_filter_module ngx_http_charset_filter_module
ngx_http_addition_filter_module ngx_http_headers_filter_module ngx_http_range_body_filter_module
ngx_http_not_modified_filter_module`.split(/\s+/);

/** Debian's dynamic modules (configure --with-…=dynamic): the .so and the modules it holds (auto/modules). */
const DYNAMIC = {
  'ngx_http_geoip_module.so': ['ngx_http_geoip_module'],
  'ngx_http_image_filter_module.so': ['ngx_http_image_filter_module'],
  'ngx_http_perl_module.so': ['ngx_http_perl_module'],
  'ngx_http_xslt_filter_module.so': ['ngx_http_xslt_filter_module'],
  'ngx_mail_module.so': `ngx_mail_module ngx_mail_core_module ngx_mail_ssl_module ngx_mail_pop3_module
    ngx_mail_imap_module ngx_mail_smtp_module ngx_mail_auth_http_module ngx_mail_proxy_module
    ngx_mail_realip_module`.split(/\s+/),
  'ngx_stream_module.so': `ngx_stream_module ngx_stream_core_module ngx_stream_log_module ngx_stream_proxy_module
    ngx_stream_upstream_module ngx_stream_write_filter_module ngx_stream_ssl_module ngx_stream_realip_module
    ngx_stream_limit_conn_module ngx_stream_access_module ngx_stream_geo_module ngx_stream_map_module
    ngx_stream_split_clients_module ngx_stream_return_module ngx_stream_set_module ngx_stream_upstream_hash_module
    ngx_stream_upstream_least_conn_module ngx_stream_upstream_random_module ngx_stream_upstream_zone_module
    ngx_stream_ssl_preread_module`.split(/\s+/),
  'ngx_stream_geoip_module.so': ['ngx_stream_geoip_module'],
};

const TYPES = {
  NGX_CORE_MODULE: 'core',
  NGX_CONF_MODULE: 'conf',
  NGX_EVENT_MODULE: 'event',
  NGX_HTTP_MODULE: 'http',
  NGX_STREAM_MODULE: 'stream',
  NGX_MAIL_MODULE: 'mail',
};

const BITS = {
  NGX_CONF_NOARGS: 0x1,
  NGX_CONF_TAKE1: 0x2,
  NGX_CONF_TAKE2: 0x4,
  NGX_CONF_TAKE3: 0x8,
  NGX_CONF_TAKE4: 0x10,
  NGX_CONF_TAKE5: 0x20,
  NGX_CONF_TAKE6: 0x40,
  NGX_CONF_TAKE7: 0x80,
  NGX_CONF_TAKE12: 0x6,
  NGX_CONF_TAKE13: 0xa,
  NGX_CONF_TAKE23: 0xc,
  NGX_CONF_TAKE123: 0xe,
  NGX_CONF_TAKE1234: 0x1e,
  NGX_CONF_BLOCK: 0x100,
  NGX_CONF_FLAG: 0x200,
  NGX_CONF_ANY: 0x400,
  NGX_CONF_1MORE: 0x800,
  NGX_CONF_2MORE: 0x1000,
  NGX_DIRECT_CONF: 0x10000,
  NGX_MAIN_CONF: 0x01000000,
  NGX_ANY_CONF: 0xff000000,
  NGX_EVENT_CONF: 0x02000000,
  NGX_HTTP_MAIN_CONF: 0x02000000,
  NGX_HTTP_SRV_CONF: 0x04000000,
  NGX_HTTP_LOC_CONF: 0x08000000,
  NGX_HTTP_UPS_CONF: 0x10000000,
  NGX_HTTP_SIF_CONF: 0x20000000,
  NGX_HTTP_LIF_CONF: 0x40000000,
  NGX_HTTP_LMT_CONF: 0x80000000,
  NGX_STREAM_MAIN_CONF: 0x02000000,
  NGX_STREAM_SRV_CONF: 0x04000000,
  NGX_STREAM_UPS_CONF: 0x08000000,
  NGX_MAIL_MAIN_CONF: 0x02000000,
  NGX_MAIL_SRV_CONF: 0x04000000,
};

/**
 * Set handlers that refuse a second use in the same block with "is duplicate"
 * whatever the values: the ngx_conf_set_*_slot family (ngx_conf_file.c,
 * ngx_file.c) and the module handlers that test "already set" first.
 * Handlers whose refusal depends on the values (proxy_redirect, *_cache with
 * "off", limit_conn…) are left out: a false error is worse than a missed one.
 */
const DUPLICATE_CHECKED = new Set(
  `ngx_conf_set_access_slot ngx_conf_set_bufs_slot ngx_conf_set_enum_slot
  ngx_conf_set_flag_slot ngx_conf_set_msec_slot ngx_conf_set_num_slot ngx_conf_set_off_slot ngx_conf_set_path_slot
  ngx_conf_set_sec_slot ngx_conf_set_size_slot ngx_conf_set_str_slot ngx_event_connections ngx_event_use
  ngx_events_block ngx_http_block ngx_stream_block ngx_mail_block ngx_http_fastcgi_pass ngx_http_proxy_pass
  ngx_http_uwsgi_pass ngx_http_scgi_pass ngx_http_grpc_pass ngx_http_memcached_pass ngx_http_try_files
  ngx_http_set_complex_value_slot ngx_http_set_complex_value_zero_slot ngx_http_core_internal
  ngx_http_fastcgi_cache_key ngx_http_proxy_cache_key ngx_http_uwsgi_cache_key ngx_http_scgi_cache_key
  ngx_set_user ngx_set_worker_processes ngx_http_auth_request ngx_http_upstream_keepalive`.split(/\s+/),
);

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.c')) out.push(p);
  }
  return out;
}

const modules = new Map();
for (const file of walk(srcDir)) {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const arrays = new Map();
  for (const m of text.matchAll(/static ngx_command_t\s+(\w+)\[\]\s*=\s*\{([\s\S]*?)ngx_null_command/g)) {
    const body = m[2].replace(/^#.*$/gm, '');
    const cmds = [];
    for (const e of body.matchAll(
      /\{\s*ngx_string\("([^"]+)"\),\s*([^,]+),\s*(\w+),\s*\w+,\s*(?:offsetof\([^)]*\)|\w+),\s*([^}]*?)\s*\}/g,
    )) {
      let mask = 0;
      for (const bit of e[2].split('|').map((s) => s.trim())) {
        if (!(bit in BITS)) throw new Error(`${file}: unknown bit ${bit} in ${e[1]}`);
        mask = (mask | BITS[bit]) >>> 0;
      }
      cmds.push({ name: e[1], mask, set: e[3], post: e[4].replace(/^&/, '') });
    }
    arrays.set(m[1], cmds);
  }
  // The values of enum and bitmask slots (ngx_conf_enum_t / ngx_conf_bitmask_t arrays).
  const valueLists = new Map();
  for (const m of text.matchAll(/static ngx_conf_(?:enum|bitmask)_t\s+(\w+)\[\]\s*=\s*\{([\s\S]*?)ngx_null_string/g)) {
    valueLists.set(
      m[1],
      [...m[2].matchAll(/ngx_string\("([^"]*)"\)/g)].map((v) => v[1]),
    );
  }
  for (const m of text.matchAll(
    /ngx_module_t\s+(\w+)\s*=\s*\{\s*NGX_MODULE_V1,\s*[^,]+,\s*(\w+),\s*(NGX_\w+_MODULE)/g,
  )) {
    const cmds = m[2] === 'NULL' ? [] : arrays.get(m[2]);
    if (!cmds) continue;
    for (const c of cmds) {
      if (c.set === 'ngx_conf_set_enum_slot' || c.set === 'ngx_conf_set_bitmask_slot')
        c.values = valueLists.get(c.post);
    }
    modules.set(m[1], { type: TYPES[m[3]], cmds });
  }
}

function rows(names) {
  const out = [];
  for (const name of names) {
    const mod = modules.get(name);
    if (!mod) throw new Error(`module ${name} not found in ${srcDir}`);
    for (const c of mod.cmds) {
      const bits =
        (DUPLICATE_CHECKED.has(c.set) ? 1 : 0) |
        (c.set === 'ngx_conf_set_flag_slot' ? 2 : 0) |
        (c.set === 'ngx_conf_set_enum_slot' ? 4 : 0) |
        (c.set === 'ngx_conf_set_bitmask_slot' ? 8 : 0);
      out.push([c.name, mod.type, c.mask, bits]);
    }
  }
  return out;
}

const lines = [];
lines.push(
  "// Generated by scripts/nginx-directives.mjs from nginx 1.22.1's source (the ngx_command_t arrays); do not edit.",
);
lines.push(
  '// Each row: [name, module family, ngx_command_t type bits, handler bits: 1 = a second use in one block is "is duplicate", 2 = ngx_conf_set_flag_slot (on/off), 4 = ngx_conf_set_enum_slot, 8 = ngx_conf_set_bitmask_slot (words in SLOT_VALUES)].',
);
lines.push(
  "export type DirectiveRow = readonly [string, 'core' | 'conf' | 'event' | 'http' | 'stream' | 'mail', number, number];",
);
lines.push('');
lines.push("/** The modules linked into Debian's /usr/sbin/nginx, in link order. */");
lines.push(`export const STATIC_DIRECTIVES: readonly DirectiveRow[] = ${JSON.stringify(rows(STATIC))};`);
const values = {};
for (const name of [...STATIC, ...Object.values(DYNAMIC).flat()]) {
  const mod = modules.get(name);
  for (const c of mod.cmds) if (c.values) values[`${mod.type}:${c.name}`] = c.values;
}
lines.push('');
lines.push(
  '/** The words an enum or bitmask slot accepts (ngx_conf_set_enum_slot, ngx_conf_set_bitmask_slot), by "family:directive". */',
);
lines.push(`export const SLOT_VALUES: Readonly<Record<string, readonly string[]>> = ${JSON.stringify(values)};`);
lines.push('');
lines.push("/** Debian's dynamic modules, by the file load_module names. */");
const dyn = Object.fromEntries(Object.entries(DYNAMIC).map(([so, names]) => [so, rows(names)]));
lines.push(
  `export const DYNAMIC_DIRECTIVES: Readonly<Record<string, readonly DirectiveRow[]>> = ${JSON.stringify(dyn)};`,
);

// Every lower-case name nginx's http sources spell with ngx_string(): a superset of the
// variables the modules define (their ngx_http_variable_t arrays and the names they add
// one by one), so a variable missing from it is unknown to nginx; the ones ending in "_"
// are the prefix variables (NGX_HTTP_VAR_PREFIX: http_, arg_, cookie_…).
const names = new Set();
for (const file of walk(join(srcDir, 'http'))) {
  for (const m of readFileSync(file, 'utf8').matchAll(/ngx_string\("([a-z0-9_]+)"\)/g)) names.add(m[1]);
}
const sorted = [...names].sort();
lines.push('');
lines.push('/** A superset of the http variables nginx defines (every ngx_string literal of src/http). */');
lines.push(
  `export const HTTP_VARIABLE_NAMES: readonly string[] = ${JSON.stringify(sorted.filter((n) => !n.endsWith('_')))};`,
);
lines.push('');
lines.push('/** The prefix variables ($http_…, $arg_…, $cookie_…). */');
lines.push(
  `export const HTTP_VARIABLE_PREFIXES: readonly string[] = ${JSON.stringify(sorted.filter((n) => n.endsWith('_')))};`,
);
process.stdout.write(`${lines.join('\n')}\n`);
