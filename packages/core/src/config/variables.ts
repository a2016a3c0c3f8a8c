export type ProgramName = 'server' | 'sentinel' | 'watcher';

export interface VariableSpec {
  name: string;
  programs: readonly ProgramName[];
  /** As docs/reference/environment.md shows it. */
  default: string;
  meaning: string;
  secret?: boolean;
}

const ALL: readonly ProgramName[] = ['server', 'sentinel', 'watcher'];

/**
 * Every environment variable any program reads. The table in docs/reference/environment.md, the Marathon definition
 * checks and a unit test (which records what the loaders actually read) all use this list, so
 * a variable cannot be read without being documented.
 */
export const VARIABLES: readonly VariableSpec[] = [
  { name: 'ZK_HOSTS', programs: ALL, default: 'localhost:2181', meaning: 'ZooKeeper connect string, comma-separated host:port, optional /chroot (created if missing)' },
  { name: 'ZK_SESSION_TIMEOUT_MS', programs: ALL, default: '10000', meaning: 'ZooKeeper session timeout; ephemeral registrations of a dead process vanish after it' },
  { name: 'ZK_CONNECT_TIMEOUT_MS', programs: ALL, default: '30000', meaning: 'how long to wait for ZooKeeper at start (and for any single request) before failing with a clear error' },
  { name: 'ZK_AUTH', programs: ALL, default: '—', meaning: 'ZooKeeper digest credentials user:password; nodes are then created readable by all, writable by this user only', secret: true },
  { name: 'ZK_AUTH_FILE', programs: ALL, default: '—', meaning: 'a file holding ZK_AUTH (a mounted DC/OS secret), read once at start; one trailing newline is ignored; not with ZK_AUTH' },
  { name: 'PORT0', programs: ALL, default: '6379 / 26379 / 8080', meaning: 'port to listen on and announce (Marathon sets it)' },
  { name: 'BIND_IP', programs: ALL, default: '—', meaning: 'address to bind and announce; overrides NET_IFACE' },
  { name: 'NET_IFACE', programs: ALL, default: 'eth0', meaning: "interface whose IPv4 address is announced when BIND_IP is unset" },
  { name: 'HOST', programs: ALL, default: '—', meaning: "Marathon's agent host name; announced when neither BIND_IP nor NET_IFACE gives an address" },
  { name: 'MASTER_NAME', programs: ALL, default: 'mymaster', meaning: "server: the name of its group, as sentinels know it ([A-Za-z0-9._-]); servers with different names are independent groups. Sentinel and watcher (which serve every group): the default group's name" },
  { name: 'DEFAULT_MASTER_NAME', programs: ALL, default: 'mymaster (sentinel, watcher: their MASTER_NAME)', meaning: "the default group: its record is also /redis/master and it keeps /redis/lock and /redis/nodes (0.1.0's layout); other groups live under /redis/groups/<name>. Upgrading a 0.1.0 group that used another MASTER_NAME: set this to that name on its servers" },
  { name: 'LOG_LEVEL', programs: ALL, default: 'info', meaning: 'fatal, error, warn, info, debug or trace' },
  { name: 'REDIS_PASSWORD', programs: ALL, default: '—', meaning: 'Redis password (requirepass/masterauth, sentinel auth-pass); written only to 0600 config files', secret: true },
  { name: 'REDIS_PASSWORD_FILE', programs: ALL, default: '—', meaning: 'a file holding REDIS_PASSWORD (a mounted DC/OS secret), read once at start; one trailing newline is ignored; not with REDIS_PASSWORD' },
  { name: 'REDIS_USERNAME', programs: ALL, default: '— (the default user)', meaning: "an ACL user for replication (masteruser), the sentinels (auth-user) and the programs, with REDIS_PASSWORD as its password and only the rules they need (no data commands); every redis-server defines it; clients keep the default user" },
  { name: 'SENTINEL_PASSWORD', programs: ALL, default: '— (the sentinels accept anyone)', meaning: "the sentinels' own password: requirepass of every redis-sentinel and sentinel-pass between them; the servers and the watcher use it to ask the sentinels; a client without it is refused", secret: true },
  { name: 'SENTINEL_PASSWORD_FILE', programs: ALL, default: '—', meaning: 'a file holding SENTINEL_PASSWORD (a mounted DC/OS secret), read once at start; one trailing newline is ignored; not with SENTINEL_PASSWORD' },
  { name: 'TLS_CERT_FILE', programs: ALL, default: '— (no TLS)', meaning: 'PEM certificate: with TLS_KEY_FILE and TLS_CA_FILE, TLS on every Redis, replication and Sentinel link (redis-server and redis-sentinel listen with TLS only, on PORT0); the programs present it as their client certificate' },
  { name: 'TLS_KEY_FILE', programs: ALL, default: '—', meaning: "the certificate's PEM private key (kept readable by the program only)" },
  { name: 'TLS_CA_FILE', programs: ALL, default: '—', meaning: "the PEM CA that signed the group's certificates: every link accepts only peers it signed (host names are not checked, as Redis's own replication does not)" },
  { name: 'TLS_CLIENT_AUTH', programs: ALL, default: 'yes', meaning: 'yes: redis-server and redis-sentinel refuse clients without a certificate from TLS_CA_FILE; optional: check one if given; no: any TLS client' },
  { name: 'MESOS_SANDBOX', programs: ['server', 'sentinel'], default: '—', meaning: 'set by Mesos; work directories are created under it when set, else under the system temp directory' },
  { name: 'SHUTDOWN_TIMEOUT_MS', programs: ['server', 'sentinel'], default: '10000', meaning: 'after SIGTERM, how long the child gets before SIGKILL (keep below Marathon taskKillGracePeriodSeconds)' },
  { name: 'FAILOVER_MODE', programs: ['server', 'watcher'], default: 'sentinel', meaning: "sentinel: redis-zk-sentinel's sentinels fail the master over; zookeeper: no sentinels — the master holds the group's leadership through its ZooKeeper session and, when it is gone, the replicas' wrappers elect one of them under the group's lock (replica-priority, then offset, then freshest link, then address). Every server and watcher of a group must use the same mode" },
  { name: 'HTTP_PORT', programs: ['server', 'sentinel'], default: '$PORT1 (none when unset)', meaning: 'port of the wrapper\'s HTTP checks and GET /metrics. Server: GET /primary (200 only on the unfenced master), /replica (200 only on a linked replica; ?lag=<bytes>), /health (200 while redis-server answers, any role) — for HAProxy/marathon-lb and Marathon health checks. Sentinel: GET /health (200 while redis-sentinel answers and monitors every group it follows)' },
  { name: 'PORT1', programs: ['server', 'sentinel'], default: '—', meaning: "Marathon's second port for the task: the default HTTP_PORT" },
  { name: 'FENCING', programs: ['server'], default: 'on', meaning: "on: a master that for FENCE_AFTER_MS can neither read its own record in ZooKeeper, nor find a majority of the registered sentinels naming it, nor reach every replica still attached to it, refuses writes (-NOREPLICAS) until it can again; off: it keeps taking writes it may lose" },
  { name: 'FENCE_AFTER_MS', programs: ['server'], default: '2000 (at most ZK_SESSION_TIMEOUT_MS/3)', meaning: 'how long a master may go unconfirmed before it refuses writes; keep it below the sentinels\' SENTINEL_DOWN_AFTER_MS, and it must be below ZK_SESSION_TIMEOUT_MS' },
  { name: 'REDIS_SERVER_BIN', programs: ['server'], default: 'redis-server, else valkey-server (the first found on PATH)', meaning: 'the server executable: Redis 7 or Valkey 8' },
  { name: 'REDIS_CONF', programs: ['server'], default: '—', meaning: "a base redis.conf included before the wrapper's own settings" },
  { name: 'REDIS_APPENDONLY', programs: ['server'], default: 'yes', meaning: 'yes: the append-only file, fsync every second, beside the RDB snapshots (a kill -9 loses at most about a second of writes); no: RDB snapshots only (Redis defaults: 1 h/1 change, 5 min/100, 1 min/10000); wins over REDIS_CONF' },
  { name: 'GROUP_RESTART_WAIT_MS', programs: ['server'], default: '10000', meaning: 'a server that finds data on disk while no master answers waits this long for the rest of the group to come back from disk, so the node holding the most becomes the master' },
  { name: 'REDIS_DATA_DIR', programs: ['server'], default: '$MESOS_SANDBOX/redis-data (else <tmp>/redis-zk-server-<PORT0>)', meaning: "redis-server's working directory (RDB/AOF files, generated config)" },
  { name: 'REDIS_PROBE_TIMEOUT_MS', programs: ['server', 'sentinel', 'watcher'], default: '1000', meaning: 'timeout for probing another Redis or Sentinel (connect and reply)' },
  { name: 'REDIS_SENTINEL_BIN', programs: ['sentinel'], default: 'redis-sentinel, else valkey-sentinel (the first found on PATH)', meaning: 'the sentinel executable: Redis 7 or Valkey 8' },
  { name: 'SENTINEL_CONF', programs: ['sentinel'], default: '—', meaning: "a base sentinel.conf merged into the generated one (never truncated)" },
  { name: 'SENTINEL_DIR', programs: ['sentinel'], default: '$MESOS_SANDBOX/sentinel (else <tmp>/redis-zk-sentinel-<PORT0>)', meaning: 'where the generated, writable sentinel.conf lives' },
  { name: 'SENTINEL_QUORUM', programs: ['sentinel'], default: '2', meaning: 'sentinels that must agree a master is down' },
  { name: 'SENTINEL_DOWN_AFTER_MS', programs: ['sentinel'], default: '5000', meaning: 'sentinel down-after-milliseconds' },
  { name: 'SENTINEL_FAILOVER_TIMEOUT_MS', programs: ['sentinel'], default: '60000', meaning: 'sentinel failover-timeout' },
  { name: 'SENTINEL_PARALLEL_SYNCS', programs: ['sentinel'], default: '1', meaning: 'sentinel parallel-syncs' },
  { name: 'SENTINEL_INFO_PERIOD_MS', programs: ['sentinel'], default: '1000', meaning: "how often redis-sentinel asks each master and replica for INFO (SENTINEL DEBUG INFO-PERIOD; Sentinel's own default 10000): a replica that joined is known, and can be promoted, within this long" },
  { name: 'MASTER_WAIT_TIMEOUT_MS', programs: ['sentinel'], default: '300000', meaning: 'how long to wait for /redis/master to appear before exiting non-zero' },
  { name: 'RECONCILE_INTERVAL_MS', programs: ['watcher'], default: '5000', meaning: 'how often the watcher checks the sentinels against ZooKeeper' },
  { name: 'HOOK_COMMAND', programs: ['watcher'], default: '—', meaning: 'command run on every master switch with <name> <old-host> <old-port> <new-host> <new-port>' },
  { name: 'HOOK_TIMEOUT_MS', programs: ['watcher'], default: '10000', meaning: 'HOOK_COMMAND is killed after this long' },
  { name: 'API_TOKEN', programs: ['watcher'], secret: true, default: '— (POST /switchover refused)', meaning: 'secret bearer token that POST /switchover requires (Authorization: Bearer <token>), 16 to 512 characters without spaces; the read-only endpoints stay open. Never logged' },
  { name: 'API_TOKEN_FILE', programs: ['watcher'], default: '—', meaning: 'a file holding API_TOKEN (a mounted DC/OS secret), read once at start; one trailing newline is ignored; not with API_TOKEN' },
  { name: 'HTTP_TLS_CERT_FILE', programs: ['watcher'], default: '— (plain HTTP)', meaning: "PEM certificate for the watcher's API: with HTTP_TLS_KEY_FILE the API, the status page, /events and /metrics are served over HTTPS only, on PORT0 (it may be TLS_CERT_FILE, or one the users' browsers trust); Marathon's health check then uses MESOS_HTTPS" },
  { name: 'HTTP_TLS_KEY_FILE', programs: ['watcher'], default: '—', meaning: "HTTP_TLS_CERT_FILE's PEM private key; a key that does not match the certificate is refused at start" },
];

export function variablesFor(program: ProgramName): VariableSpec[] {
  return VARIABLES.filter((v) => v.programs.includes(program));
}
