/**
 * Every failure the programs report on purpose, from one table (fastify's lib/errors.js is the
 * model): the code that logs, HTTP bodies and tests carry, what it means, and the HTTP status
 * where one reaches a client. docs/reference/errors.md mirrors this table (checked by a test), and
 * every code is thrown or logged somewhere.
 */
export const ERRORS = {
  CONFIG_INVALID: { status: 400, meaning: 'a setting (an environment variable, a file it names) is invalid: one line naming it and what is expected, exit 2' },
  USAGE: { status: 400, meaning: 'a command line the program does not take (an unknown app selector, a missing value): one line, exit 2' },
  ADDRESS_UNRESOLVED: { status: 500, meaning: 'no address to announce: NET_IFACE names no interface with an IPv4 address, or none could be found' },
  GROUP_MISMATCH: { status: 500, meaning: "MASTER_NAME would join another group's lock (a 0.1.0 group under another name): exit 2, naming DEFAULT_MASTER_NAME" },
  LISTEN_FAILED: { status: 500, meaning: 'a port the program must listen on is taken or cannot be bound' },
  ZK_CONNECT_TIMEOUT: { status: 503, meaning: 'no ZooKeeper server of ZK_HOSTS answered within ZK_CONNECT_TIMEOUT_MS' },
  ZK_TIMEOUT: { status: 503, meaning: 'a ZooKeeper request got no answer within its deadline' },
  ZK_NO_NODE: { status: 500, meaning: 'a ZooKeeper node that had to exist does not' },
  ZK_NODE_EXISTS: { status: 500, meaning: 'a ZooKeeper node that had to be created exists already' },
  ZK_BAD_VERSION: { status: 409, meaning: 'a version-checked ZooKeeper write lost a race: someone wrote in between' },
  ZK_NOT_EMPTY: { status: 500, meaning: 'a ZooKeeper node to remove still has children' },
  ZK_SESSION_EXPIRED: { status: 503, meaning: "the ZooKeeper session expired: its ephemeral nodes (registrations, locks, leadership) are gone" },
  ZK_CLOSED: { status: 503, meaning: 'the ZooKeeper client was closed' },
  ZK_CONNECTION_LOSS: { status: 503, meaning: 'the connection to ZooKeeper was lost; the request may or may not have been applied' },
  ZK_NO_AUTH: { status: 403, meaning: 'ZooKeeper refused the request: ZK_AUTH is missing or lacks the rights' },
  ZK_ERROR: { status: 500, meaning: 'any other ZooKeeper failure' },
  ZK_START_FAILED: { status: 500, meaning: 'a ZooKeeper the launcher or the tests start did not come up (its log is named)' },
  LOCK_TIMEOUT: { status: 503, meaning: "a group's lock stayed held for longer than the caller could wait" },
  RETRIES_EXHAUSTED: { status: 503, meaning: 'a step retried by the one retry policy failed every attempt (the last failure is its cause)' },
  NO_MASTER: { status: 503, meaning: '@redis-zk/client: no master of the group to send a command to within queueTimeoutMs (a failover, a fenced master, ZooKeeper session expired)' },
  REDIS_UNREACHABLE: { status: 503, meaning: 'a Redis or Sentinel did not accept a connection, or dropped it' },
  REDIS_TIMEOUT: { status: 503, meaning: 'a Redis or Sentinel did not answer within REDIS_PROBE_TIMEOUT_MS' },
  REDIS_COMMAND_FAILED: { status: 502, meaning: 'a Redis or Sentinel answered a command with an error reply' },
  REDIS_AUTH_FAILED: { status: 502, meaning: 'a sentinel cannot authenticate to a master: REDIS_PASSWORD (or REDIS_USERNAME) on the sentinels is not the servers\'; failover is impossible until fixed' },
  SENTINEL_REFUSED: { status: 502, meaning: "a registered sentinel refuses a server wrapper's SENTINEL_PASSWORD or TLS settings" },
  CHILD_START_FAILED: { status: 500, meaning: 'redis-server, redis-sentinel or a task could not be started (its binary or bundle is missing, or it exited at once)' },
  CHILD_EXITED: { status: 500, meaning: 'a supervised child exited when it should have been running' },
  RESTART_IN_PROGRESS: { status: 409, meaning: 'a restart of the supervised child was asked for while one is running' },
  MASTER_WAIT_TIMEOUT: { status: 503, meaning: 'the sentinel wrapper waited longer than it may for a master to be recorded' },
  SWITCHOVER_REFUSED: { status: 409, meaning: 'POST /switchover refused before anything moved (a failover in progress, an unfit candidate, no token…): the reason says which' },
  SWITCHOVER_ABORTED: { status: 409, meaning: 'a planned move stopped before anything moved: the old master is still the master and takes writes again' },
  SWITCHOVER_FAILED: { status: 500, meaning: 'a planned move failed after the failover was asked for: the sentinels decide, the watcher records what they do' },
  DEFINITION_INVALID: { status: 400, meaning: 'a Marathon group or app definition the local launcher cannot run (no program label, a dependency cycle…)' },
  TASK_UNHEALTHY: { status: 503, meaning: "a local launcher's task did not become healthy in time, or a health check failed" },
  TASK_UNKNOWN: { status: 404, meaning: 'no task of that name in the local launcher' },
  STOPPING: { status: 503, meaning: 'the program was asked to stop (SIGTERM/SIGINT) while it waited, and gives up what it waited for' },
  LAUNCHER_STOPPING: { status: 503, meaning: 'the local launcher is stopping and starts nothing more' },
  ENVIRONMENT_UNAVAILABLE: { status: 500, meaning: 'this machine lacks what a tool needs (ZooKeeper jars, iproute2, network namespaces as root): the line says how to get it' },
  NO_FREE_PORT: { status: 500, meaning: 'no free port was found for a process the launcher or the tests start' },
  UNAUTHORIZED: { status: 401, meaning: 'HTTP: POST /switchover without the bearer token API_TOKEN, or with another' },
  NOT_FOUND: { status: 404, meaning: 'HTTP: no such endpoint' },
  UNKNOWN_GROUP: { status: 404, meaning: 'HTTP: no group of that name has a record under /redis/masters' },
  METHOD_NOT_ALLOWED: { status: 405, meaning: 'HTTP: the endpoint does not take that method' },
  NOT_ACCEPTABLE: { status: 406, meaning: 'HTTP: the endpoint cannot answer in a type the Accept header allows' },
  BAD_REQUEST: { status: 400, meaning: 'HTTP: a malformed request (body, query, header)' },
  UNAVAILABLE: { status: 503, meaning: 'HTTP: nothing to answer yet (no master recorded, no sentinel fit to hand out)' },
  INTERNAL_ERROR: { status: 500, meaning: 'HTTP: the program failed to answer (a bug: the log says more)' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class RedisZkError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RedisZkError';
    this.code = code;
  }

  /** The HTTP status the registry gives this code. */
  get statusCode(): number {
    return ERRORS[this.code].status;
  }
}

/** A bad environment value: the message is the single line the user sees. */
export class ConfigError extends RedisZkError {
  readonly variable: string;
  constructor(variable: string, value: string, expected: string) {
    super('CONFIG_INVALID', `${variable}=${JSON.stringify(value)} is invalid: expected ${expected}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

export function isRedisZkError(err: unknown, code?: ErrorCode): err is RedisZkError {
  return err instanceof RedisZkError && (code === undefined || err.code === code);
}

/** A body for an HTTP error reply: its code, the registry's short name for it, and the sentence. */
export function errorBody(code: ErrorCode, message: string): { code: ErrorCode; error: string; message: string } {
  return { code, error: code.toLowerCase().replaceAll('_', ' '), message };
}
