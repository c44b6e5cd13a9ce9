/**
 * authorization-not-passed: a vhost that uses HTTP authentication routes to a
 * FastCGI application, and nothing hands the Authorization header on
 * (CGIPassAuth On, SetEnvIf … HTTP_AUTHORIZATION, RewriteRule [E=HTTP_AUTHORIZATION…],
 * -pass-header Authorization, FcgidPassHeader Authorization).
 */
import { collectInScope, listVhosts, someInScope, type Directive } from '../../apache/index.js';
import type { Finding } from '../../findings/finding.js';
import type { ConfigCheck } from './context.js';
import { FoldByCause } from './fold.js';
import { at, finding } from './make.js';

function passes(tree: readonly Directive[], vhost: Directive | undefined): boolean {
  const has = (name: string, test: (d: Directive) => boolean) =>
    collectInScope(tree, name, vhost).some((x) => test(x.d));
  return (
    has('cgipassauth', (d) => (d.args[0] ?? '').toLowerCase() === 'on') ||
    has('setenvif', (d) => d.raw.includes('HTTP_AUTHORIZATION')) ||
    has('setenvifnocase', (d) => d.raw.includes('HTTP_AUTHORIZATION')) ||
    has('rewriterule', (d) => /E=HTTP_AUTHORIZATION/i.test(d.raw)) ||
    has('fcgidpassheader', (d) => (d.args[0] ?? '').toLowerCase() === 'authorization') ||
    has('passheader', (d) => (d.args[0] ?? '').toLowerCase() === 'authorization')
  );
}

const REQUIRES_LOGIN = (d: Directive) => /^(valid-user|user|group)$/i.test(d.args[0] ?? '');

function usesAuth(tree: readonly Directive[], vhost: Directive | undefined): Directive | undefined {
  const auth = collectInScope(tree, 'authtype', vhost)[0]?.d;
  if (auth) return auth;
  return collectInScope(tree, 'require', vhost).find((x) => REQUIRES_LOGIN(x.d))?.d;
}

export const authorizationNotPassedCheck: ConfigCheck = {
  ids: ['authorization-not-passed'],
  run(ctx) {
    const out: Finding[] = [];
    // No authentication anywhere (the usual case): no vhost can need the header passed.
    const tree = ctx.model.tree;
    if (!someInScope(tree, 'authtype', () => true) && !someInScope(tree, 'require', REQUIRES_LOGIN)) return out;
    // One finding per vhost and module (each module passes the header its own way),
    // with every route of it that does not pass the header as evidence.
    const fold = new FoldByCause();
    const verdicts = new Map<string, ReturnType<typeof usesAuth> | undefined>();
    const vhosts = new Map(listVhosts(ctx.model.tree).map((v) => [`${v.file}:${v.line}`, v]));
    for (const s of ctx.model.setups) {
      if (!s.active) continue;
      if (s.params['pass-header']?.toLowerCase().split('\n').includes('authorization')) continue;
      const key = s.vhost ? `${s.vhost.file}:${s.vhost.line}` : 'main';
      if (!verdicts.has(key)) {
        const vhost = s.vhost ? vhosts.get(key) : undefined;
        const used = usesAuth(ctx.model.tree, vhost);
        verdicts.set(key, used && !passes(ctx.model.tree, vhost) ? used : undefined);
      }
      const auth = verdicts.get(key);
      if (!auth) continue;
      fold.add(
        `${key}|${s.module}`,
        () => `${at(s.definedAt)}: ${s.directive}`,
        () =>
          finding({
            id: 'authorization-not-passed',
            severity: 'warning',
            title: 'The Authorization header does not reach the FastCGI application',
            message: `This site uses HTTP authentication (${at(auth)}) and sends requests to a FastCGI application, but Apache does not pass the Authorization header to FastCGI unless told to: an application that checks logins itself (PHP_AUTH_USER, HTTP_AUTHORIZATION) sees none and answers 401 again and again.`,
            at: s.definedAt,
            evidence: [`${at(s.definedAt)}: ${s.directive}`, `${at(auth)}: ${auth.written} ${auth.raw}`],
            fix:
              s.module === 'fcgid'
                ? 'Add "FcgidPassHeader Authorization" (or "CGIPassAuth On" on Apache 2.4.13+).'
                : s.module === 'fastcgi'
                  ? 'Add "-pass-header Authorization" to the FastCgiServer/FastCgiExternalServer line (or "CGIPassAuth On").'
                  : 'Add "CGIPassAuth On" in the section that routes to the application (Apache 2.4.13+), or SetEnvIfNoCase ^Authorization$ "(.+)" HTTP_AUTHORIZATION=$1.',
          }),
      );
    }
    out.push(...fold.findings());
    return out;
  },
};
