import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { errorBody, joinHostPort, type HistoryEntry, type HostPort, type HttpTls, zkPaths } from '@redis-zk/core';
import { acceptsJson, negotiate } from './negotiate.js';
import { registerOperations, routeOf, type Operations } from './operations.js';
import { errorSchema, historySchema, groupHealthSchema, healthSchema, masterSchema, mastersSchema, sentinelSchema, sentinelsSchema, statusSchema } from './schemas.js';

export interface Health {
  ok: boolean;
  reason: string;
  zookeeper: string;
  subscription: { sentinel: string; since: string } | null;
  /** Every group that is unhealthy, and why (only the default group's state makes /health 503). */
  unhealthyGroups: { name: string; reason: string }[];
}

export interface GroupHealth {
  name: string;
  ok: boolean;
  reason: string;
}

/** What the API shows; all of it from memory (ZooKeeper watches, background probes). */
export interface WatcherView {
  name: string;
  sentinels(): HostPort[];
  /** A group's master (the default group's when no name is given). */
  master(name?: string): HostPort | undefined;
  /** Whether a group by this name is served (it has a record, or it is the default group). */
  knows(name: string): boolean;
  masters(): ReadonlyMap<string, HostPort>;
  /** A group's last master changes, oldest first (`/redis/history/<name>`). */
  history(name?: string): readonly HistoryEntry[];
  health(): Health;
  groupHealth(name: string): GroupHealth;
  status(name?: string): Record<string, unknown>;
}

const TEXT = 'text/plain; charset=utf-8';

function notAcceptable(reply: FastifyReply, types = 'text/plain or application/json'): FastifyReply {
  return reply.code(406).type('application/json').send(errorBody('NOT_ACCEPTABLE', `this resource is available as ${types}`));
}

/** The JSON-only endpoints answer 406 to a client that accepts no JSON, like the others do. */
function jsonOnly(req: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  return acceptsJson(req.headers.accept) ? undefined : notAcceptable(reply, 'application/json');
}

const ENDPOINTS = ['/sentinels', '/sentinel', '/master', '/masters', '/master/:name', '/history', '/history/:name', '/status', '/status/:name', '/health', '/health/:name'] as const;

function unavailable(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(503).type('application/json').send(errorBody('UNAVAILABLE', message));
}

function represent<T>(req: FastifyRequest, reply: FastifyReply, text: string, json: T): FastifyReply {
  const as = negotiate(req.headers.accept);
  if (as === undefined) return notAcceptable(reply);
  reply.header('vary', 'Accept');
  return as === 'json' ? reply.type('application/json').send(json) : reply.type(TEXT).send(text);
}

const errors = { 406: errorSchema, 503: errorSchema } as const;

export interface HttpExtras {
  operations?: Operations;
  /** Called for every answered request (metrics). */
  observe?: (method: string, route: string, status: number, seconds: number) => void;
  /** HTTP_TLS_CERT_FILE/HTTP_TLS_KEY_FILE: HTTPS only. */
  https?: HttpTls;
}

export function createHttpServer(view: WatcherView, extras: HttpExtras = {}): FastifyInstance {
  // Typed as the plain server's instance: the routes do not depend on the transport.
  const app = (extras.https === undefined ? Fastify({ logger: false, return503OnClosing: true }) : Fastify({ logger: false, return503OnClosing: true, https: extras.https })) as unknown as FastifyInstance;
  const observe = extras.observe;
  if (observe !== undefined) app.addHook('onResponse', (req, reply, done) => {
    observe(req.method, routeOf(req), reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  if (extras.operations !== undefined) registerOperations(app, extras.operations);

  app.get('/sentinels', { schema: { response: { 200: sentinelsSchema, ...errors } } }, (req, reply) => {
    const list = view.sentinels();
    return represent(req, reply, list.map(joinHostPort).join(','), list.map(({ host, port }) => ({ host, port })));
  });

  app.get('/sentinel', { schema: { response: { 200: sentinelSchema, ...errors } } }, (req, reply) => {
    const list = view.sentinels();
    const one = list[Math.floor(Math.random() * list.length)];
    if (one === undefined) return unavailable(reply, 'no registered sentinel answers for the group (see /status: refusedSentinels)');
    return represent(req, reply, joinHostPort(one), { host: one.host, port: one.port });
  });

  const masterOf = (req: FastifyRequest, reply: FastifyReply, name: string): FastifyReply => {
    const m = view.master(name);
    const where = name === view.name ? zkPaths.MASTER : zkPaths.masterOf(name);
    if (m === undefined) return unavailable(reply, `the master of ${name} is not known (no valid ${where} record)`);
    return represent(req, reply, joinHostPort(m), { name, host: m.host, port: m.port });
  };
  const unknownGroup = (reply: FastifyReply, name: string): FastifyReply =>
    reply.code(404).type('application/json').send(errorBody('UNKNOWN_GROUP', `no group ${JSON.stringify(name.slice(0, 100))} has a record under /redis/masters; GET /masters lists the groups`));
  type Named = { Params: { name: string } };

  app.get('/master', { schema: { response: { 200: masterSchema, ...errors } } }, (req, reply) => masterOf(req, reply, view.name));

  app.get<Named>('/master/:name', { schema: { response: { 200: masterSchema, 404: errorSchema, ...errors } } }, (req, reply) =>
    view.knows(req.params.name) ? masterOf(req, reply, req.params.name) : unknownGroup(reply, req.params.name),
  );

  // Every group with a known master: JSON {name: {host, port}}, text one "<name> <host>:<port>" per line.
  app.get('/masters', { schema: { response: { 200: mastersSchema, 406: errorSchema } } }, (req, reply) => {
    const all = [...view.masters()].sort(([a], [b]) => a.localeCompare(b));
    const text = all.map(([name, m]) => `${name} ${joinHostPort(m)}\n`).join('');
    return represent(req, reply, text, Object.fromEntries(all.map(([name, m]) => [name, { host: m.host, port: m.port }])));
  });

  app.get('/history', { schema: { response: { 200: historySchema, 406: errorSchema } } }, (req, reply) => jsonOnly(req, reply) ?? reply.type('application/json').send({ name: view.name, changes: view.history() }));

  app.get<Named>('/history/:name', { schema: { response: { 200: historySchema, 404: errorSchema, 406: errorSchema } } }, (req, reply) => {
    if (!view.knows(req.params.name)) return unknownGroup(reply, req.params.name);
    return jsonOnly(req, reply) ?? reply.type('application/json').send({ name: req.params.name, changes: view.history(req.params.name) });
  });

  app.get('/status', { schema: { response: { 200: statusSchema, 406: errorSchema } } }, (req, reply) => jsonOnly(req, reply) ?? reply.type('application/json').send(view.status()));

  app.get<Named>('/status/:name', { schema: { response: { 200: statusSchema, 404: errorSchema, 406: errorSchema } } }, (req, reply) => {
    if (!view.knows(req.params.name)) return unknownGroup(reply, req.params.name);
    return jsonOnly(req, reply) ?? reply.type('application/json').send(view.status(req.params.name));
  });

  app.get<Named>('/health/:name', { schema: { response: { 200: groupHealthSchema, 503: groupHealthSchema, 404: errorSchema, 406: errorSchema } } }, (req, reply) => {
    if (!view.knows(req.params.name)) return unknownGroup(reply, req.params.name);
    const refused = jsonOnly(req, reply);
    if (refused !== undefined) return refused;
    const h = view.groupHealth(req.params.name);
    return reply.code(h.ok ? 200 : 503).type('application/json').send({ status: h.ok ? 'ok' : 'unavailable', group: h.name, reason: h.reason });
  });

  app.get('/health', { schema: { response: { 200: healthSchema, 503: healthSchema, 406: errorSchema } } }, (req, reply) => {
    const refused = jsonOnly(req, reply);
    if (refused !== undefined) return refused;
    const h = view.health();
    return reply
      .code(h.ok ? 200 : 503)
      .type('application/json')
      .send({ status: h.ok ? 'ok' : 'unavailable', reason: h.reason, zookeeper: h.zookeeper, subscription: h.subscription, unhealthyGroups: h.unhealthyGroups });
  });

  // Only POST /switchover changes state: any other method on a read endpoint is 405.
  for (const url of [...ENDPOINTS, ...(extras.operations === undefined ? [] : ['/events', '/metrics', '/'])]) {
    app.route({
      method: ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
      url,
      handler: (req, reply) =>
        reply.code(405).header('allow', 'GET, HEAD').type('application/json').send(errorBody('METHOD_NOT_ALLOWED', `${req.method} ${req.url.slice(0, 200)} is not allowed; it answers GET (and HEAD)`)),
    });
  }

  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).type('application/json').send(errorBody('NOT_FOUND', `${req.method} ${req.url.slice(0, 200)} is not an endpoint; try /sentinels, /sentinel, /master, /masters, /master/<name>, /history, /history/<name>, /status, /status/<name>, /health, /health/<name>, /events, /metrics or POST /switchover`));
  });

  app.setErrorHandler((err: { statusCode?: number; message?: string }, _req, reply) => {
    const code = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    void reply.code(code).type('application/json').send(code >= 500 ? errorBody('INTERNAL_ERROR', 'the watcher failed to answer') : errorBody('BAD_REQUEST', err.message ?? 'bad request'));
  });

  return app;
}
