import { RedisZkError } from '@redis-zk/core';
import { request } from 'node:http';
import { request as secureRequest } from 'node:https';
import { connect } from 'node:net';
import type { HealthCheckDef } from './definitions.js';

export interface HealthResult {
  ok: boolean;
  /** What was checked and what came back, for the launcher's log. */
  detail: string;
}

/** A TCP connect that completes within timeoutMs. */
export function tcpCheck(host: string, port: number, timeoutMs: number): Promise<HealthResult> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (r: HealthResult) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, detail: `tcp ${host}:${port} timed out after ${timeoutMs} ms` }), timeoutMs);
    sock.once('connect', () => done({ ok: true, detail: `tcp ${host}:${port} accepted` }));
    sock.once('error', (err) => done({ ok: false, detail: `tcp ${host}:${port} ${(err as NodeJS.ErrnoException).code ?? err.message}` }));
  });
}

/**
 * A GET answered 200–399 within timeoutMs (Marathon's rule). Over HTTPS the certificate is not
 * verified, as Mesos's own HTTPS checks do not verify it either.
 */
export function httpCheck(host: string, port: number, path: string, timeoutMs: number, secure = false): Promise<HealthResult> {
  return new Promise((resolve) => {
    const url = `${secure ? 'https' : 'http'}://${host}:${port}${path}`;
    const send = secure ? secureRequest : request;
    const req = send({ host, port, path, method: 'GET', timeout: timeoutMs, ...(secure ? { rejectUnauthorized: false } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d.length < 500 ? d : ''));
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        resolve({ ok: code >= 200 && code < 400, detail: `GET ${url} → ${code} ${body.trim().slice(0, 200)}` });
      });
    });
    req.on('timeout', () => req.destroy(new RedisZkError('TASK_UNHEALTHY', `timed out after ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ ok: false, detail: `GET ${url} ${(err as NodeJS.ErrnoException).code ?? err.message}` }));
    req.end();
  });
}

/** Runs one check as the definition says; COMMAND checks are not run locally (always passing). */
export function runHealthCheck(hc: HealthCheckDef, host: string, ports: number[], timeoutMs: number): Promise<HealthResult> {
  const port = hc.port ?? ports[hc.portIndex ?? 0];
  if (port === undefined) return Promise.resolve({ ok: false, detail: `no port at index ${hc.portIndex ?? 0}` });
  const protocol = hc.protocol ?? 'HTTP';
  if (protocol.endsWith('TCP')) return tcpCheck(host, port, timeoutMs);
  if (protocol.endsWith('HTTP')) return httpCheck(host, port, hc.path ?? '/', timeoutMs);
  if (protocol.endsWith('HTTPS')) return httpCheck(host, port, hc.path ?? '/', timeoutMs, true);
  return Promise.resolve({ ok: true, detail: `${protocol} health checks are not run by the local launcher` });
}
