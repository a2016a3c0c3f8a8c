import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, errorBody, MASTER_NAME_PATTERN, METRICS_CONTENT_TYPE, parseHostPort, type ErrorCode, type HostPort } from '@redis-zk/core';
import type { EventLog, LoggedEvent } from '../behaviours/event-log.js';
import type { SwitchoverResult } from '../switchover.js';
import { wantsHtml } from './negotiate.js';
import { STATUS_PAGE } from './status-page.js';

/** The watcher's operator endpoints beside the read-only API: metrics, events, switchover, the page. */
export interface Operations {
  metrics(): Promise<string>;
  events: EventLog;
  switchover(group: string, candidate: HostPort | undefined): Promise<SwitchoverResult>;
  /** API_TOKEN; undefined: POST /switchover is refused. */
  apiToken: string | undefined;
  defaultName: string;
  knows(name: string): boolean;
}

/** Every endpoint, as GET / lists them and docs/reference/http-api.md documents them (a test checks both). */
export const WATCHER_ENDPOINTS = ['/master', '/masters', '/master/<name>', '/history', '/history/<name>', '/sentinels', '/sentinel', '/status', '/status/<name>', '/health', '/health/<name>', '/events', '/metrics', 'POST /switchover', '/'] as const;

/** Open event streams at most: each holds a socket; more are answered 503. */
const MAX_STREAMS = 64;
const HEARTBEAT_MS = 15_000;

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time: how much of a guess is right never shows in the answer's timing. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m !== null && timingSafeEqual(digest(m[1]!), digest(token));
}

function sse(e: LoggedEvent): string {
  return `id: ${e.id}\ndata: ${JSON.stringify(e)}\n\n`;
}

/** An error reply: the registry's code and status (or the given status), and the sentence. */
function fail(reply: FastifyReply, code: ErrorCode, message: string, status: number = ERRORS[code].status): FastifyReply {
  return reply.code(status).type('application/json').send(errorBody(code, message));
}

export function registerOperations(app: FastifyInstance, ops: Operations): void {
  app.get('/metrics', async (_req, reply) => reply.type(METRICS_CONTENT_TYPE).header('cache-control', 'no-store').send(await ops.metrics()));

  // Browsers get the status page; anything else a short index of the API.
  app.get('/', (req, reply) => {
    if (wantsHtml(req.headers.accept)) return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(STATUS_PAGE);
    return reply.type('application/json').send({
      name: 'redis-zk-watcher',
      endpoints: WATCHER_ENDPOINTS.filter((e) => e !== '/'),
    });
  });

  let streams = 0;
  app.get<{ Querystring: { group?: string; lastEventId?: string } }>('/events', (req, reply) => {
    const group = req.query.group;
    if (group !== undefined && !ops.knows(group)) return fail(reply, 'UNKNOWN_GROUP', `no group ${JSON.stringify(group.slice(0, 100))} has a record; GET /masters lists the groups`);
    const rawLast = req.headers['last-event-id'] ?? req.query.lastEventId;
    const last = rawLast === undefined ? undefined : Number(rawLast);
    if (last !== undefined && (!Number.isInteger(last) || last < 0)) return fail(reply, 'BAD_REQUEST', `Last-Event-ID ${JSON.stringify(String(rawLast).slice(0, 40))} is not an event id (an integer, 0 or more)`);
    if (streams >= MAX_STREAMS) return fail(reply, 'UNAVAILABLE', `${MAX_STREAMS} event streams are open already; try again later`);
    streams += 1;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const mine = (e: LoggedEvent) => group === undefined || e.name === undefined || e.name === group;
    res.write(`retry: 2000\n: redis-zk-watcher events; last id ${ops.events.lastId}\n\n`);
    if (last !== undefined) {
      const { events, complete } = ops.events.after(last);
      // Some events fell out of the bounded history: the client should rebuild its picture (/status).
      if (!complete) res.write(`event: gap\ndata: ${JSON.stringify({ after: last, oldest: events[0]?.id ?? ops.events.lastId + 1 })}\n\n`);
      for (const e of events) if (mine(e)) res.write(sse(e));
    }
    const unsubscribe = ops.events.subscribe((e) => {
      if (mine(e)) res.write(sse(e));
    });
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    const end = () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams -= 1;
    };
    res.once('close', end);
  });

  app.post<{ Body: unknown }>('/switchover', async (req, reply) => {
    if (ops.apiToken === undefined) return fail(reply, 'SWITCHOVER_REFUSED', 'POST /switchover is disabled: the watcher has no API_TOKEN set', 403);
    if (!bearerMatches(req.headers.authorization, ops.apiToken)) {
      return fail(reply.header('www-authenticate', 'Bearer realm="redis-zk"'), 'UNAUTHORIZED', 'POST /switchover needs the header "Authorization: Bearer <API_TOKEN>"');
    }
    const body = req.body ?? {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail(reply, 'BAD_REQUEST', 'the body must be a JSON object like {"group": "mymaster", "candidate": "10.0.0.5:6379"} (both optional)');
    const { group = ops.defaultName, candidate, ...rest } = body as { group?: unknown; candidate?: unknown };
    const extra = Object.keys(rest);
    if (extra.length > 0) return fail(reply, 'BAD_REQUEST', `unknown field ${JSON.stringify(extra[0])}; expected "group" and "candidate"`);
    if (typeof group !== 'string' || !MASTER_NAME_PATTERN.test(group)) return fail(reply, 'BAD_REQUEST', `"group" must be a group name (letters, digits, ".", "_", "-"), got ${JSON.stringify(group)?.slice(0, 80)}`);
    if (!ops.knows(group)) return fail(reply, 'UNKNOWN_GROUP', `no group ${JSON.stringify(group)} has a record; GET /masters lists the groups`);
    let target: HostPort | undefined;
    if (candidate !== undefined) {
      // "host:port" as everyone writes it, or the record's own "host port".
      const parsed = typeof candidate === 'string' ? parseHostPort(candidate.includes(' ') ? candidate : candidate.replace(/:(\d+)$/, ' $1')) : undefined;
      if (parsed === undefined || !parsed.ok) return fail(reply, 'BAD_REQUEST', `"candidate" must be "host:port" of one of the group's replicas, got ${JSON.stringify(candidate)?.slice(0, 80)}`);
      target = parsed.value;
    }
    const r = await ops.switchover(group, target);
    if (!r.ok) return fail(reply, r.code, r.reason, r.status);
    return reply.type('application/json').send(r);
  });
  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH'],
    url: '/switchover',
    handler: (req, reply) => fail(reply.header('allow', 'POST'), 'METHOD_NOT_ALLOWED', `${req.method} /switchover is not allowed; it answers POST with "Authorization: Bearer <API_TOKEN>"`),
  });
}

/** How the metrics name a request's route: the matched pattern, never the raw URL. */
export function routeOf(req: FastifyRequest): string {
  return req.routeOptions.url ?? 'unmatched';
}
