/** `<host> <port>`: the record format of /redis/master, /redis/nodes and /redis/sentinels. */
export interface HostPort {
  host: string;
  port: number;
}

export type ParsedHostPort = { ok: true; value: HostPort } | { ok: false; reason: string };

/** Longest record we accept; anything bigger is not an address, whatever it contains. */
const MAX_RECORD_LENGTH = 300;
const HOST_PATTERN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^[0-9a-fA-F:]+$/;

export function parseHostPort(raw: string): ParsedHostPort {
  if (raw.length === 0) return { ok: false, reason: 'it is empty' };
  if (raw.length > MAX_RECORD_LENGTH) return { ok: false, reason: `it is ${raw.length} bytes long` };
  const parts = raw.trim().split(' ');
  if (parts.length !== 2) return { ok: false, reason: 'expected "<host> <port>" separated by one space' };
  const [host, portText] = parts as [string, string];
  if (!HOST_PATTERN.test(host)) return { ok: false, reason: `"${host}" is not a host name or IP address` };
  if (!/^[0-9]{1,5}$/.test(portText)) return { ok: false, reason: `"${portText}" is not a port number` };
  const port = Number(portText);
  if (port < 1 || port > 65535) return { ok: false, reason: `port ${port} is outside 1-65535` };
  return { ok: true, value: { host, port } };
}

export function formatHostPort(a: HostPort): string {
  return `${a.host} ${a.port}`;
}

/** `host:port`, the HTTP API's format. */
export function joinHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

export function sameHostPort(a: HostPort | undefined, b: HostPort | undefined): boolean {
  return a !== undefined && b !== undefined && a.host === b.host && a.port === b.port;
}

/** For logs and errors: a record shortened so a 1 MB value does not become a 1 MB log line. */
export function preview(raw: string, max = 60): string {
  return raw.length <= max ? raw : `${raw.slice(0, max)}… (${raw.length} bytes)`;
}
