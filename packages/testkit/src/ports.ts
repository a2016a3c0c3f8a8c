import { createServer } from 'node:net';

/** Ports handed out by this process: the OS may offer a just-closed port again before its user binds it. */
const handed = new Set<number>();

function probePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A TCP port free on `host` right now and never handed out before by this process. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await probePort(host);
    if (port > 0 && !handed.has(port)) {
      handed.add(port);
      return port;
    }
  }
  throw new Error(`no free port found on ${host} after 100 attempts`);
}
