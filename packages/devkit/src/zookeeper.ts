import { setTimeout as sleep } from 'node:timers/promises';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { spawnGroup, type GroupProcess } from './processes.js';
import { RedisZkError } from '@redis-zk/core';

const JAVA_DIR = '/usr/share/java';
/** The jars ZooKeeperServerMain needs from Debian's `zookeeper` package and its dependencies. */
const JARS = [
  'zookeeper.jar',
  'zookeeper-jute.jar',
  'slf4j-api.jar',
  'slf4j-simple.jar',
  'netty-buffer.jar',
  'netty-codec.jar',
  'netty-common.jar',
  'netty-handler.jar',
  'netty-resolver.jar',
  'netty-transport.jar',
  'netty-transport-native-epoll.jar',
  'netty-transport-native-unix-common.jar',
  'commons-cli.jar',
  'jline.jar',
  'audience-annotations.jar',
  'metrics-core.jar',
  'snappy-java.jar',
  'log4j-1.2.jar',
];

export interface ZooKeeperOptions {
  /** Address to bind (clientPortAddress) and to hand out in connectString. Default 127.0.0.1. */
  host?: string;
  /** Default: a free port on `host`. */
  port?: number;
  /** Default: a fresh temp dir, removed by destroy(). */
  dataDir?: string;
  /** Default 1000: session timeouts between 2 s and 20 s. */
  tickTimeMs?: number;
  /** Bound on the wait for `ruok` → `imok` at each start (default 60 s: a JVM on a busy 2-core box is slow). */
  startTimeoutMs?: number;
  /** A member of an ensemble: its id and every member's `server.<id>=` value (host:peerPort:electionPort). */
  ensemble?: { id: number; servers: string[] };
}

export interface ZooKeeperHandle {
  host: string;
  port: number;
  /** `<host>:<port>` (127.0.0.1 unless the host option was given) */
  connectString: string;
  dataDir: string;
  /** Its own temp dir (zoo.cfg, log, and the data unless dataDir was given); removed by destroy(). */
  dir: string;
  /** ZooKeeper's own output (slf4j-simple, warnings and up). */
  logFile: string;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** Starts again on the same port with the same data; no-op when running. */
  start(): Promise<void>;
  /** SIGKILL, no clean shutdown. */
  kill(): Promise<void>;
  /** Stops it and removes the temp dir it created. */
  destroy(): Promise<void>;
  /** A signal to its process group (SIGSTOP freezes it: connections stay open, nothing answers). */
  signal(sig: NodeJS.Signals): void;
}

export function zooKeeperClasspath(): string {
  const missing = ['zookeeper.jar', 'zookeeper-jute.jar'].filter((j) => !existsSync(join(JAVA_DIR, j)));
  if (missing.length > 0) {
    throw new RedisZkError('ENVIRONMENT_UNAVAILABLE', `ZooKeeper jars not found in ${JAVA_DIR} (${missing.join(', ')}): install Debian's zookeeper package (apt-get install zookeeper) or run scripts/setup.sh`);
  }
  return JARS.map((j) => join(JAVA_DIR, j)).filter((p) => existsSync(p)).join(':');
}

/** The four-letter word `ruok`; resolves with the answer, or undefined when nothing answers. */
export function fourLetterWord(host: string, port: number, word: string, timeoutMs = 1_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    let data = '';
    const done = (v: string | undefined) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(word));
    sock.on('data', (d: string) => (data += d));
    sock.on('end', () => done(data));
    sock.on('error', () => done(undefined));
  });
}


/** A standalone ZooKeeper on 127.0.0.1 (or opts.host) from Debian's jars, in its own process group. */
export async function startZooKeeper(opts: ZooKeeperOptions = {}): Promise<ZooKeeperHandle> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(host));
  const ownDir = mkdtempSync(join(tmpdir(), `redis-zk-zookeeper-${port}-`));
  const dataDir = opts.dataDir ?? join(ownDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const cfgFile = join(ownDir, 'zoo.cfg');
  const logFile = join(ownDir, 'zookeeper.log');
  writeFileSync(
    cfgFile,
    [
      `tickTime=${opts.tickTimeMs ?? 1000}`,
      `dataDir=${dataDir}`,
      `clientPort=${port}`,
      `clientPortAddress=${host}`,
      'maxClientCnxns=0',
      'admin.enableServer=false',
      '4lw.commands.whitelist=*',
      // Test and local-group data: speed over durability, and no 64 MB preallocated logs.
      'forceSync=no',
      'preAllocSize=1024',
      'autopurge.snapRetainCount=3',
      'autopurge.purgeInterval=1',
      ...(opts.ensemble === undefined ? [] : ['initLimit=10', 'syncLimit=5', ...opts.ensemble.servers.map((v, i) => `server.${i + 1}=${v}`)]),
      '',
    ].join('\n'),
  );
  if (opts.ensemble !== undefined) writeFileSync(join(dataDir, 'myid'), `${opts.ensemble.id}\n`);
  const classpath = zooKeeperClasspath();
  const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  let proc: GroupProcess | undefined;

  const start = async (): Promise<void> => {
    if (proc && proc.child.exitCode === null && proc.child.signalCode === null) return;
    const fd = openSync(logFile, 'a');
    try {
      proc = spawnGroup(
        'java',
        [
          '-Xmx256m',
          '-XX:+UseSerialGC',
          '-XX:TieredStopAtLevel=1',
          '-Djava.net.preferIPv4Stack=true',
          '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
          '-Dzookeeper.admin.enableServer=false',
          // Room for the oversized-record tests (a 1 MB znode) without raising it for clients.
          '-Djute.maxbuffer=4194304',
          '-cp',
          classpath,
          opts.ensemble === undefined ? 'org.apache.zookeeper.server.ZooKeeperServerMain' : 'org.apache.zookeeper.server.quorum.QuorumPeerMain',
          cfgFile,
        ],
        { stdio: ['ignore', fd, fd] },
      );
    } finally {
      closeSync(fd);
    }
    const current = proc;
    const deadline = Date.now() + startTimeoutMs;
    let exited = false;
    void current.exited.then(() => (exited = true));
    while (Date.now() < deadline) {
      if (exited) break;
      if ((await fourLetterWord(host, port, 'ruok')) === 'imok') return;
      await sleep(200);
    }
    await current.stop(1_000);
    const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2_000) : '';
    throw new RedisZkError(
      'ZK_START_FAILED',
      `ZooKeeper on ${host}:${port} ${exited ? 'exited' : `did not answer ruok within ${startTimeoutMs} ms`}; its log (${logFile}) ends:\n${tail}`,
    );
  };

  const stop = async (): Promise<void> => {
    await proc?.stop(5_000);
  };
  const kill = async (): Promise<void> => {
    if (!proc) return;
    proc.signalGroup('SIGKILL');
    await proc.exited;
  };

  await start();
  return {
    host,
    port,
    connectString: `${host}:${port}`,
    dataDir,
    dir: ownDir,
    logFile,
    start,
    stop,
    kill,
    destroy: async () => {
      await stop();
      rmSync(ownDir, { recursive: true, force: true });
    },
    signal: (sig) => proc?.signalGroup(sig),
  };
}

export interface ZooKeeperEnsemble {
  nodes: ZooKeeperHandle[];
  /** Every member's client address, comma-separated. */
  connectString: string;
  /** The member that leads now, from `srvr`; undefined without a quorum. */
  leader(): Promise<ZooKeeperHandle | undefined>;
  /** Until a quorum serves (a leader and every other live member following), within `timeoutMs`. */
  untilServing(timeoutMs?: number): Promise<void>;
  destroy(): Promise<void>;
}

/** `size` ZooKeepers on 127.0.0.1 (or opts.host) forming one ensemble (QuorumPeerMain), started together. */
export async function startZooKeeperEnsemble(size = 3, opts: { tickTimeMs?: number; host?: string } = {}): Promise<ZooKeeperEnsemble> {
  const host = opts.host ?? '127.0.0.1';
  const ports = await Promise.all(Array.from({ length: size }, async () => ({ client: await freePort(host), peer: await freePort(host), election: await freePort(host) })));
  const servers = ports.map((p) => `${host}:${p.peer}:${p.election}`);
  const nodes = await Promise.all(ports.map((p, i) => startZooKeeper({ host, port: p.client, tickTimeMs: opts.tickTimeMs, ensemble: { id: i + 1, servers } })));
  const mode = async (n: ZooKeeperHandle) => /^Mode: (\w+)/m.exec((await fourLetterWord(n.host, n.port, 'srvr')) ?? '')?.[1];
  const ensemble: ZooKeeperEnsemble = {
    nodes,
    connectString: nodes.map((n) => n.connectString).join(','),
    async leader() {
      const modes = await Promise.all(nodes.map(mode));
      const i = modes.indexOf('leader');
      return i < 0 ? undefined : nodes[i];
    },
    async untilServing(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const modes = await Promise.all(nodes.map(mode));
        if (modes.includes('leader') && modes.filter((m) => m === 'leader' || m === 'follower').length * 2 > size) return;
        if (Date.now() >= deadline) throw new RedisZkError('ZK_START_FAILED', `the ZooKeeper ensemble has no serving quorum within ${timeoutMs} ms (modes: ${modes.map((m) => m ?? 'none').join(', ')})`);
        await sleep(200);
      }
    },
    destroy: async () => {
      await Promise.all(nodes.map((n) => n.destroy()));
    },
  };
  await ensemble.untilServing();
  return ensemble;
}
