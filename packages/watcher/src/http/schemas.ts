const hostPort = {
  type: 'object',
  properties: { host: { type: 'string' }, port: { type: 'integer' } },
  required: ['host', 'port'],
} as const;

export const errorSchema = {
  type: 'object',
  properties: { code: { type: 'string' }, error: { type: 'string' }, message: { type: 'string' } },
  required: ['code', 'error', 'message'],
} as const;

export const sentinelsSchema = { type: 'array', items: hostPort } as const;
export const sentinelSchema = hostPort;
export const masterSchema = {
  type: 'object',
  properties: { name: { type: 'string' }, host: { type: 'string' }, port: { type: 'integer' } },
  required: ['name', 'host', 'port'],
} as const;

export const healthSchema = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    reason: { type: 'string' },
    zookeeper: { type: 'string' },
    subscription: { type: ['object', 'null'], properties: { sentinel: { type: 'string' }, since: { type: 'string' } } },
    unhealthyGroups: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, reason: { type: 'string' } } } },
  },
  required: ['status', 'zookeeper'],
} as const;

export const groupHealthSchema = {
  type: 'object',
  properties: { status: { type: 'string' }, group: { type: 'string' }, reason: { type: 'string' } },
  required: ['status', 'group', 'reason'],
} as const;

/** JSON /history[/<name>]: a group's last master changes, oldest first. */
export const historySchema = {
  type: 'object',
  required: ['name', 'changes'],
  properties: {
    name: { type: 'string' },
    changes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['at', 'epoch', 'from', 'to', 'cause'],
        properties: { at: { type: 'string' }, epoch: { type: 'integer' }, from: { type: ['string', 'null'] }, to: { type: 'string' }, cause: { type: 'string' } },
      },
    },
  },
} as const;

/** JSON /masters: group name → its master. */
export const mastersSchema = { type: 'object', additionalProperties: hostPort } as const;

const replica = {
  type: 'object',
  properties: { host: { type: 'string' }, port: { type: 'integer' }, state: { type: 'string' }, offset: { type: 'integer' }, lag: { type: 'integer' } },
} as const;

export const statusSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    default: { type: 'boolean' },
    health: { type: 'object', properties: { name: { type: 'string' }, ok: { type: 'boolean' }, reason: { type: 'string' } } },
    epoch: { type: ['integer', 'null'] },
    /** Maintenance mode: null while the group runs. */
    paused: {
      type: ['object', 'null'],
      properties: { since: { type: ['string', 'null'] }, by: { type: ['string', 'null'] }, reason: { type: ['string', 'null'] } },
    },
    master: {
      type: ['object', 'null'],
      properties: {
        host: { type: 'string' },
        port: { type: 'integer' },
        reachable: { type: ['boolean', 'null'] },
        role: { type: ['string', 'null'] },
        offset: { type: ['integer', 'null'] },
        /** `valkey 8.0.1`, `redis 7.0.15`: INFO's server_name and its own version. */
        server: { type: ['string', 'null'] },
        fenced: { type: ['boolean', 'null'] },
        checkedAt: { type: ['string', 'null'] },
        error: { type: ['string', 'null'] },
      },
    },
    replicas: { type: 'array', items: replica },
    keysPerDb: { type: 'object', additionalProperties: { type: 'integer' } },
    groups: {
      type: 'array',
      items: { type: 'object', properties: { name: { type: 'string' }, master: { type: ['string', 'null'] }, epoch: { type: ['integer', 'null'] }, healthy: { type: 'boolean' }, paused: { type: 'boolean' } } },
    },
    sentinels: { type: 'array', items: hostPort },
    /** Registered sentinels that are not handed out, and why. */
    refusedSentinels: {
      type: 'array',
      items: { type: 'object', required: ['host', 'port', 'reason'], properties: { host: { type: 'string' }, port: { type: 'integer' }, reason: { type: 'string' } } },
    },
    nodes: { type: 'array', items: hostPort },
    /** FAILOVER_MODE of this watcher: who moves the master. */
    failoverMode: { type: 'string' },
    subscription: {
      type: 'object',
      properties: {
        connected: { type: 'boolean' },
        sentinel: { type: ['string', 'null'] },
        since: { type: ['string', 'null'] },
        all: { type: 'array', items: { type: 'object', properties: { sentinel: { type: 'string' }, since: { type: 'string' } } } },
      },
    },
    events: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          at: { type: 'string' },
          kind: { type: 'string' },
          event: { type: 'string' },
          outcome: { type: 'string' },
          name: { type: 'string' },
          from: { type: 'string' },
          to: { type: 'string' },
          source: { type: 'string' },
          detail: { type: 'string' },
        },
      },
    },
    zookeeper: { type: 'object', properties: { state: { type: 'string' } } },
  },
} as const;
