/**
 * Every failure the programs report on purpose carries a stable code, so logs can be searched
 * and tests can assert on the kind of failure rather than on wording.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'ADDRESS_UNRESOLVED'
  | 'ZK_CONNECT_TIMEOUT'
  | 'ZK_TIMEOUT'
  | 'ZK_NO_NODE'
  | 'ZK_NODE_EXISTS'
  | 'ZK_BAD_VERSION'
  | 'ZK_NOT_EMPTY'
  | 'ZK_SESSION_EXPIRED'
  | 'ZK_CLOSED'
  | 'ZK_CONNECTION_LOSS'
  | 'ZK_NO_AUTH'
  | 'GROUP_MISMATCH'
  | 'ZK_ERROR'
  | 'LOCK_TIMEOUT'
  | 'RECORD_INVALID'
  | 'REDIS_UNREACHABLE'
  | 'REDIS_TIMEOUT'
  | 'REDIS_COMMAND_FAILED'
  | 'CHILD_START_FAILED'
  | 'CHILD_EXITED'
  | 'MASTER_WAIT_TIMEOUT'
  | 'USAGE'
  | 'LISTEN_FAILED'
  | 'SWITCHOVER_REFUSED'
  | 'SWITCHOVER_FAILED'
  /** A planned move stopped before anything moved: the old master is still the master. */
  | 'SWITCHOVER_ABORTED';

export class RedisZkError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RedisZkError';
    this.code = code;
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
