/**
 * The shared test harness: real ZooKeeper, Redis and Sentinel processes on free loopback ports,
 * every process and temp dir cleaned up after each test even when it fails.
 * (Signatures fixed here; implementation in progress.)
 */
import type { Redis } from 'ioredis';

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Says what was awaited, in the failure message. */
  what: string;
}
/** Polls `check` until it returns a value other than undefined/false, or fails after timeoutMs (default 10 s). */
export declare function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, opts: WaitOptions): Promise<T>;

export declare function freePort(): Promise<number>;

export interface ZooKeeperServer {
  host: string;
  port: number;
  /** `127.0.0.1:<port>` */
  connectString: string;
  stop(): Promise<void>;
  /** Starts again on the same port with the same data. */
  start(): Promise<void>;
}
/** A private ZooKeeper for tests that stop or restart it; stopped after the test file. */
export declare function startZooKeeper(): Promise<ZooKeeperServer>;
/**
 * The suite-wide ZooKeeper with a fresh chroot for the calling test: `127.0.0.1:<port>/t-<random>`.
 * The chroot is NOT created (the programs must create it); use `zkClient` to get a client that
 * creates it first.
 */
export declare function sharedZkHosts(): string;

export type ProgramName = 'server' | 'sentinel' | 'watcher';
export interface ProgramProcess {
  program: ProgramName;
  pid: number;
  /** stdout and stderr so far. */
  output(): string;
  /** stdout lines that parsed as JSON (pino logs). */
  logs(): Record<string, unknown>[];
  /** Resolves with the first log line matching; fails after timeoutMs (default 10 s). */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Settles when the process exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal to the program only (default SIGTERM). */
  signal(sig?: NodeJS.Signals): void;
  /** SIGKILL to the program and its children (the whole process group). */
  killGroup(): void;
}
/** Runs the built bundle `node packages/<p>/dist/redis-zk-<p>.mjs` with exactly `env` (plus PATH). */
export declare function startProgram(program: ProgramName, env: Record<string, string>, args?: string[]): ProgramProcess;
/** Runs the bundle to completion (for --help, bad config…). */
export declare function runProgramToExit(program: ProgramName, env: Record<string, string>, args?: string[], timeoutMs?: number): Promise<{ code: number | null; stdout: string; stderr: string }>;

/** An ioredis client that does not retry for ever; closed after the test. */
export declare function redisClient(port: number, host?: string, password?: string): Redis;
