import { ConfigError, RedisZkError, zkPaths, type WatcherConfig, type Zk } from '@redis-zk/core';
import { positiveInt, type Invocation } from './args.js';
import { EXIT } from './help.js';
import { colonForm } from './observe.js';

/** The watcher's base URL: --watcher, else WATCHER_URL. */
export function watcherBase(inv: Invocation, env: NodeJS.ProcessEnv): string {
  const flag = inv.flags.get('watcher');
  const url = typeof flag === 'string' ? flag : env.WATCHER_URL;
  if (url === undefined || url === '') throw new RedisZkError('USAGE', `redis-zk ${inv.command} talks to the watcher: give --watcher http://<host>:<port> or set WATCHER_URL`);
  if (!/^https?:\/\/[^/\s]+/.test(url)) throw new ConfigError(typeof flag === 'string' ? '--watcher' : 'WATCHER_URL', url, 'a watcher URL like http://watcher.example:8080');
  return url.replace(/\/+$/, '');
}

/** fetch, with a watcher that does not answer as UNAVAILABLE (exit 3); `timeoutMs` bounds the whole response. */
async function call(url: string, init: RequestInit & { timeoutMs?: number }): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: init.timeoutMs === undefined ? null : AbortSignal.timeout(init.timeoutMs) });
  } catch (err) {
    throw new RedisZkError('UNAVAILABLE', `the watcher at ${url} did not answer (${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)})`);
  }
}

/**
 * POST /switchover with API_TOKEN; the watcher answers once the move is done or refused. --wait
 * also waits until ZooKeeper's record names the new master (what clients read).
 */
export async function switchover(zk: Zk, config: WatcherConfig, inv: Invocation, group: string, say: (s: string) => void): Promise<number> {
  const base = watcherBase(inv, process.env);
  if (config.apiToken === undefined) throw new RedisZkError('USAGE', 'redis-zk switchover needs API_TOKEN (or API_TOKEN_FILE): the watcher refuses POST /switchover without it');
  const to = inv.flags.get('to');
  if (to !== undefined && (typeof to !== 'string' || !/^[^\s:]+:[0-9]{1,5}$/.test(to))) throw new RedisZkError('USAGE', `--to: ${JSON.stringify(to)} is not valid; expected host:port of one of the group's replicas`);
  const timeoutMs = positiveInt('timeout', inv.flags.get('timeout'), 60_000);
  const t0 = performance.now();
  const res = await call(`${base}/switchover`, {
    method: 'POST',
    headers: { authorization: `Bearer ${config.apiToken}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(to === undefined ? { group } : { group, candidate: to }),
    timeoutMs,
  });
  const body = (await res.json().catch(() => ({}))) as { ok?: boolean; from?: string; to?: string; outageMs?: number; code?: string; message?: string };
  if (!res.ok || body.ok !== true) {
    if (inv.json) say(JSON.stringify({ ok: false, status: res.status, code: body.code ?? null, message: body.message ?? null }));
    else process.stderr.write(`redis-zk: ${body.code ?? `HTTP ${res.status}`}: ${body.message ?? 'the watcher refused the switchover'}\n`);
    return res.status >= 500 && res.status !== 500 ? EXIT.unreachable : EXIT.found;
  }
  // The watcher names nodes as the record does (`host port`); people and --to write `host:port`.
  const recordTo = body.to;
  if (body.from !== undefined) body.from = colonForm(body.from);
  if (body.to !== undefined) body.to = colonForm(body.to);
  let recorded: boolean | undefined;
  if (inv.flags.has('wait') && recordTo !== undefined) {
    const path = zkPaths.groupLayout(group, group === config.defaultMasterName).published;
    const deadline = Date.now() + timeoutMs;
    recorded = false;
    while (Date.now() < deadline) {
      if ((await zk.get(path))?.data.toString('utf8') === recordTo) {
        recorded = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const ms = Math.round(performance.now() - t0);
  if (inv.json) say(JSON.stringify({ ...body, recorded, ms }));
  else say(`${group}: switched over from ${body.from} to ${body.to}; writes paused ${body.outageMs} ms${recorded === true ? ', recorded in ZooKeeper' : ''} (${ms} ms in all)`);
  return recorded === false ? EXIT.timeout : EXIT.ok;
}

/**
 * GET /events (server-sent events), one line per event: `<time> <group> <kind> key=value…`, or the
 * event's JSON with --json; with --since, the kept events after that id first. Ends after --count
 * events, or when the watcher ends the stream (exit 3).
 */
export async function followEvents(base: string, group: string | undefined, json: boolean, count: number, since: string | undefined, say: (s: string) => void): Promise<number> {
  const url = `${base}/events${group === undefined ? '' : `?group=${encodeURIComponent(group)}`}`;
  // --since: the watcher first replays the events it kept after that id (SSE's Last-Event-ID).
  const res = await call(url, { headers: { accept: 'text/event-stream', ...(since === undefined ? {} : { 'last-event-id': since }) } });
  if (!res.ok || res.body === null) throw new RedisZkError('UNAVAILABLE', `the watcher answered GET /events with HTTP ${res.status}`);
  let seen = 0;
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const kind = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (data === undefined) continue;
      if (kind === 'gap') {
        say(json ? JSON.stringify({ gap: JSON.parse(data) }) : '(some events were missed: the watcher kept no more)');
        continue;
      }
      const e = JSON.parse(data) as Record<string, unknown>;
      say(json ? data : eventLine(e));
      seen += 1;
      // Leaving the loop cancels the stream.
      if (seen >= count) return EXIT.ok;
    }
  }
  process.stderr.write('redis-zk: the watcher ended the event stream\n');
  return EXIT.unreachable;
}

export function eventLine(e: Record<string, unknown>): string {
  const rest = Object.entries(e)
    .filter(([k, v]) => !['id', 'at', 'name', 'kind'].includes(k) && v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`);
  return [String(e['at'] ?? ''), String(e['name'] ?? '-'), String(e['kind'] ?? 'event'), ...rest].join(' ');
}
