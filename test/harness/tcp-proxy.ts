/**
 * A TCP proxy on 127.0.0.1 in front of one server, to play a server that misbehaves at the TCP
 * level without touching the real one: connections accepted and never answered, connections cut,
 * or a server that hangs while connected (bytes held both ways, sockets left open).
 * Closed (after a thaw) when the test ends, or the file when made in beforeAll.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { parseZkHosts } from '@redis-zk/core';
import { sharedZkHosts } from './index.js';
import { track } from './resources.js';

export interface TcpProxy {
  port: number;
  /** Connections accepted so far. */
  accepted(): number;
  /** The next `n` connections (Infinity: all until called again) are accepted and then ignored: no byte forwarded, never closed. */
  swallowNext(n: number): void;
  /** Cuts every forwarded connection, as a server that stops does. */
  cutAll(): void;
  /** Forwards nothing either way from now on; sockets stay open, bytes are held. */
  freeze(): void;
  /** Delivers what was held and forwards again. */
  thaw(): void;
  /** Freezes (as freeze()) the moment a client sends bytes containing `text`, holding them too. */
  freezeOn(text: string): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let accepted = 0;
  let toSwallow = 0;
  let frozen = false;
  let tripwire: string | undefined;
  const sockets = new Set<Socket>();
  const forwarded = new Set<Socket>();
  /** Flushes of the bytes held while frozen, one per direction of each connection. */
  const flushes = new Set<() => void>();
  const forward = (from: Socket, to: Socket, fromClient: boolean) => {
    const held: Buffer[] = [];
    const flush = () => {
      for (const b of held.splice(0)) if (!to.destroyed) to.write(b);
    };
    flushes.add(flush);
    from.on('data', (b: Buffer) => {
      if (fromClient && tripwire !== undefined && b.includes(tripwire)) {
        tripwire = undefined;
        frozen = true;
      }
      if (frozen) held.push(b);
      else to.write(b);
    });
    from.on('close', () => {
      flushes.delete(flush);
      to.destroy();
    });
  };
  const server: Server = createServer((client) => {
    accepted += 1;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (toSwallow > 0) {
      toSwallow -= 1;
      return; // held open, never answered
    }
    const upstream = createConnection(target);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => undefined);
    forwarded.add(client);
    client.on('close', () => forwarded.delete(client));
    forward(client, upstream, true);
    forward(upstream, client, false);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
  const thaw = () => {
    frozen = false;
    for (const f of flushes) f();
  };
  const close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  let closed: Promise<void> | undefined;
  const proxy: TcpProxy = {
    port: address.port,
    accepted: () => accepted,
    swallowNext: (n) => (toSwallow = n),
    cutAll: () => {
      for (const s of forwarded) s.destroy();
    },
    freeze: () => (frozen = true),
    thaw,
    freezeOn: (text) => (tripwire = text),
    close: () => (closed ??= close()),
  };
  track(`TCP proxy 127.0.0.1:${address.port} to ${target.host}:${target.port}`, async () => {
    thaw();
    await proxy.close();
  });
  return proxy;
}

/** A proxy to the suite-wide ZooKeeper with a fresh chroot: `hosts` goes through it, `direct` does not (same chroot). */
export async function proxiedSharedZk(): Promise<{ proxy: TcpProxy; hosts: string; direct: string }> {
  const direct = sharedZkHosts();
  const shared = parseZkHosts(direct);
  const proxy = await startTcpProxy(shared.servers[0]!);
  return { proxy, hosts: `127.0.0.1:${proxy.port}${shared.chroot ?? ''}`, direct };
}
