import { createServer, type Server } from 'node:http';
import { errorBody } from './errors.js';
import { listenFailure } from './listen.js';

export interface SmallHttpOptions {
  hosts: string[];
  port: number;
  bindIp: string | undefined;
  /** The setting that chose the port, for the one-line error when it cannot be listened on. */
  variable: string;
}

/** What a wrapper's small HTTP port answers with: a status, a content type and a body. */
export interface HttpAnswer {
  status: number;
  type: string;
  body: string;
}

/**
 * A wrapper's own HTTP port (role checks, health, metrics): one node:http server per listening
 * address, GET and HEAD only, `cache-control: no-store`, every answer reported to `observe`
 * under its route (the path when it is one of `routes`, else `unmatched`). `handle` answers a
 * known route; an unknown one is a JSON 404 naming the routes, another method a JSON 405.
 */
export async function serveHttp(
  o: SmallHttpOptions & {
    routes: readonly string[];
    handle(path: string, query: URLSearchParams): Promise<HttpAnswer>;
    observe?: (method: string, route: string, status: number, seconds: number) => void;
  },
): Promise<{ close(): Promise<void> }> {
  const json = (status: number, body: unknown): HttpAnswer => ({ status, type: 'application/json', body: JSON.stringify(body) });
  const servers: Server[] = o.hosts.map(() =>
    createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const started = performance.now();
      const route = o.routes.includes(url.pathname) ? url.pathname : 'unmatched';
      const send = (a: HttpAnswer) => {
        res.writeHead(a.status, { 'content-type': a.type, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : a.body);
        o.observe?.(req.method ?? 'GET', route, a.status, (performance.now() - started) / 1000);
      };
      if (route === 'unmatched') return send(json(404, { ...errorBody('NOT_FOUND', `${url.pathname.slice(0, 200)} is not an endpoint`), paths: o.routes }));
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(json(405, errorBody('METHOD_NOT_ALLOWED', 'only GET and HEAD')));
      o.handle(url.pathname, url.searchParams).then(send, (err: unknown) => send(json(500, errorBody('INTERNAL_ERROR', err instanceof Error ? err.message : String(err)))));
    }),
  );
  await Promise.all(
    servers.map(
      (s, i) =>
        new Promise<void>((resolve, reject) => {
          s.once('error', (err) => reject(listenFailure(err, o.hosts[i]!, o.port, o.bindIp, o.variable)));
          s.listen(o.port, o.hosts[i], () => resolve());
        }),
    ),
  );
  return {
    close: () => Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined),
  };
}
