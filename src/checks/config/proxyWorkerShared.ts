/**
 * proxy-worker-shared: two routes with different unix: sockets but the same
 * worker URL (fcgi://localhost/). httpd keys workers by the URL after the bar,
 * so the second route reuses the first worker and its socket (AH01145, logged
 * only at INFO): the wrong application answers.
 *
 * One finding per worker: three routes named fcgi://localhost/ after three
 * sockets are one cause (the shared name), with every route that reuses it as evidence.
 */
import type { FastcgiSetup } from '../../setups/index.js';
import type { ConfigCheck } from './context.js';
import { FoldByCause } from './fold.js';
import { at, finding } from './make.js';

function definesWorker(s: FastcgiSetup): boolean {
  return s.reachedBy.some((m) => m.kind === 'ProxyPass' || m.kind === 'ProxyPassMatch' || m.kind === 'BalancerMember');
}

export const proxyWorkerSharedCheck: ConfigCheck = {
  ids: ['proxy-worker-shared'],
  run(ctx) {
    // Apache starts; each route sends its requests to the wrong socket.
    const out = new FoldByCause({ stopsAtFirst: false });
    // Workers of the main server are inherited by every vhost; vhost workers are their own.
    const first = new Map<string, FastcgiSetup>();
    const routes = ctx.model.setups.filter(
      (s) => s.active && s.module === 'proxy_fcgi' && definesWorker(s) && s.workerName && s.endpoint?.kind === 'unix',
    );
    const mainFirst = routes.filter((s) => !s.vhost).concat(routes.filter((s) => s.vhost));
    for (const s of mainFirst) {
      const scopes = s.vhost ? [`${s.vhost.file}:${s.vhost.line}`, 'main'] : ['main'];
      let clash: FastcgiSetup | undefined;
      for (const scope of scopes) {
        const prev = first.get(`${scope}|${s.workerName}`);
        if (prev) {
          clash = prev;
          break;
        }
      }
      if (!clash) {
        first.set(`${scopes[0]}|${s.workerName}`, s);
        continue;
      }
      const a = clash.endpoint?.kind === 'unix' ? clash.endpoint.path : '';
      const b = s.endpoint?.kind === 'unix' ? s.endpoint.path : '';
      if (a === b) continue;
      const owner = clash;
      out.add(
        `${owner.id}|${s.workerName}`,
        () => `${at(s.definedAt)}: ${s.directive}`,
        () =>
          finding({
            id: 'proxy-worker-shared',
            severity: 'error',
            title: 'Two FastCGI routes share one worker: the second talks to the first socket',
            message: `Both routes are named "${s.workerName}" after the socket. Apache identifies workers by that name, so this route reuses the worker made for ${a} and never connects to ${b}: requests reach the wrong application (Apache only logs "AH01145: Sharing worker" at INFO level).`,
            at: s.definedAt,
            evidence: [
              `${at(s.definedAt)}: ${s.directive}`,
              `${at(owner.definedAt)}: ${owner.directive} (the route that made the worker)`,
            ],
            fix: `Give each socket its own name after the bar, for example "unix:${b}|fcgi://${(b.split('/').pop() ?? 'app').replace(/\.sock$/, '').replace(/[^A-Za-z0-9-]/g, '-')}/".`,
          }),
      );
    }
    return out.findings();
  },
};
