/**
 * Work-arounds for node-zookeeper-client 1.1.3, kept apart from the Zk API they serve (client.ts).
 * Each reaches into the library's internals and does nothing when their shape is not the expected
 * one, so an upgrade of the library degrades to its own behaviour rather than breaking.
 */
import zookeeper from 'node-zookeeper-client';

type Client = zookeeper.Client;

/**
 * Closes a node-zookeeper-client client for good. `close()` alone is not enough while the client
 * is reconnecting: it then never reaches a server to end the session and may keep a socket open,
 * so after a short grace we destroy the socket ourselves.
 */
export function shutdownClient(client: Client, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const connected = client.getState() === zookeeper.State.SYNC_CONNECTED;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // Internal of node-zookeeper-client: stop any reconnect attempt still in flight.
      const cm = (client as unknown as { connectionManager?: { socket?: { destroy(): void }; state?: number } })
        .connectionManager;
      try {
        // CLOSING (-1) makes its socket-close handler stop instead of reconnecting; -2 is CLOSED.
        if (cm && cm.state !== -2) {
          cm.state = -1;
          cm.socket?.destroy();
        }
      } catch {
        /* already gone */
      }
      client.removeAllListeners();
      resolve();
    };
    const timer = setTimeout(finish, connected ? graceMs : 0);
    client.once('disconnected', finish);
    try {
      client.close();
    } catch {
      finish();
    }
  });
}

/** node-zookeeper-client's ConnectionManager, as far as `limitHandshake` touches it. */
interface ConnectionManagerInternals {
  state: number;
  socket?: { destroy(): void; once(event: 'close', listener: () => void): unknown };
  connectTimeout: number;
  /** The requested session timeout (before the handshake completes). */
  sessionTimeout?: number;
  onSocketConnected: (...args: unknown[]) => unknown;
}

/** A healthy ZooKeeper answers a handshake in milliseconds; a silent one is given this at least. */
const HANDSHAKE_FLOOR_MS = 2_000;

/** node-zookeeper-client's ConnectionManager STATES.CONNECTING. */
const CM_CONNECTING = 1;

/**
 * node-zookeeper-client stops its connect timer as soon as TCP connects, then waits for the
 * ConnectResponse with no deadline. A ZooKeeper that is still starting can accept a connection
 * and then neither answer nor close it (3.8 drops it from its books on a NullPointerException in
 * removeCnxn — "zkDb is null" — before closing the socket): the client then hangs in CONNECTING
 * for good and never learns its session expired, so registrations and watches are never
 * restored. Like the Java client, give the handshake `connectTimeout` (session timeout / number
 * of servers), but at most a third of the session timeout (at least 2 s), and then drop the
 * socket, which makes node-zookeeper-client try again: with one server and a 20 s session, a
 * full 20 s spent on one silent attempt would leave no time for the next before the session
 * expires (CI caught a wrapper still silent 10 s after ZooKeeper was back).
 * Internal of node-zookeeper-client: without the expected shape this does nothing.
 */
export function limitHandshake(client: Client): void {
  const cm = (client as unknown as { connectionManager?: ConnectionManagerInternals }).connectionManager;
  if (!cm || typeof cm.onSocketConnected !== 'function' || typeof cm.connectTimeout !== 'number') return;
  const onSocketConnected = cm.onSocketConnected;
  // Set on the instance before connect(): connect() binds `this.onSocketConnected` per attempt.
  cm.onSocketConnected = function (this: ConnectionManagerInternals, ...args: unknown[]): unknown {
    const socket = this.socket;
    if (socket) {
      const third = this.sessionTimeout === undefined ? this.connectTimeout : Math.max(HANDSHAKE_FLOOR_MS, Math.floor(this.sessionTimeout / 3));
      const timer = setTimeout(() => {
        if (this.state === CM_CONNECTING && this.socket === socket) socket.destroy();
      }, Math.min(this.connectTimeout, third));
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
    }
    return onSocketConnected.apply(this, args);
  };
}

/** node-zookeeper-client's ConnectionManager, as far as `limitSilence` touches it. */
interface SilenceInternals {
  state: number;
  socket?: {
    destroy(): void;
    on(event: 'data', listener: () => void): unknown;
    once(event: 'close', listener: () => void): unknown;
  };
  /** The negotiated session timeout once connected (the requested one before). */
  sessionTimeout: number;
  /** It pings after this long without socket activity: session timeout / 3. */
  pingTimeout: number;
  onSocketConnected: (...args: unknown[]) => unknown;
}

/** node-zookeeper-client's ConnectionManager STATES.CONNECTED and CONNECTED_READ_ONLY. */
const CM_CONNECTED = 2;
const CM_CONNECTED_READ_ONLY = 3;

/**
 * node-zookeeper-client has no read timeout once connected (its `readTimeout` is commented out):
 * a server that hangs (SIGSTOP, a stuck JVM, a dead host behind a live NAT entry) keeps the TCP
 * connection open, and the client stays "connected" for good, so nobody notices and no expiry
 * is ever learnt. Like the Java client, drop the connection when nothing at all was received for
 * 2/3 of the negotiated session timeout: node-zookeeper-client then reconnects (next server),
 * says `disconnected`, and resumes the session or learns it expired. A healthy idle connection
 * always hears within that window: the library pings after session timeout / 3 without socket
 * activity and each request is answered.
 * Internal of node-zookeeper-client: without the expected shape this does nothing.
 */
export function limitSilence(client: Client, onSilent: (silentMs: number, readTimeoutMs: number) => void): void {
  const cm = (client as unknown as { connectionManager?: SilenceInternals }).connectionManager;
  if (
    !cm ||
    typeof cm.onSocketConnected !== 'function' ||
    typeof cm.sessionTimeout !== 'number' ||
    typeof cm.pingTimeout !== 'number'
  ) {
    return;
  }
  const onSocketConnected = cm.onSocketConnected;
  cm.onSocketConnected = function (this: SilenceInternals, ...args: unknown[]): unknown {
    const socket = this.socket;
    if (socket && typeof socket.on === 'function') {
      let lastReceived = Date.now();
      let closed = false;
      let timer: NodeJS.Timeout | undefined;
      const readTimeout = () => Math.floor((this.sessionTimeout * 2) / 3);
      const live = () => !closed && this.socket === socket;
      const connected = () => this.state === CM_CONNECTED || this.state === CM_CONNECTED_READ_ONLY;
      const arm = (ms: number) => {
        timer = setTimeout(check, Math.max(ms, 10));
        timer.unref();
      };
      const check = () => {
        if (!live()) return;
        // The handshake has its own deadline (limitHandshake); count silence from the connect.
        if (!connected()) {
          lastReceived = Date.now();
          arm(readTimeout());
          return;
        }
        if (Date.now() - lastReceived < readTimeout()) {
          arm(lastReceived + readTimeout() - Date.now());
          return;
        }
        // A timer that fired late (busy event loop) runs before the reads waiting since: let them in first.
        setImmediate(() => {
          if (!live() || !connected()) return;
          const silentMs = Date.now() - lastReceived;
          if (silentMs < readTimeout()) {
            arm(lastReceived + readTimeout() - Date.now());
            return;
          }
          onSilent(silentMs, readTimeout());
          socket.destroy();
        });
      };
      socket.on('data', () => {
        lastReceived = Date.now();
      });
      socket.once('close', () => {
        closed = true;
        clearTimeout(timer);
      });
      arm(readTimeout());
    }
    return onSocketConnected.apply(this, args);
  };
}

/**
 * node-zookeeper-client 1.1.3 turns version 0 into -1 ("any version") with `version || -1` when
 * queuing a transaction op, which silently drops the check on a node never written since its
 * creation: put the version of the op just queued back.
 */
export function restoreLastVersion(tx: zookeeper.Transaction, version: number): void {
  const queued = (tx as unknown as { ops?: { version?: number }[] }).ops;
  const last = queued?.[queued.length - 1];
  if (last) last.version = version;
}
