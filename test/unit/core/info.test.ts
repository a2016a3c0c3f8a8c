import { describe, expect, it } from 'vitest';
import { observationFromInfo, parseFields, parseInfo } from '@redis-zk/core';

const MASTER_INFO = [
  '# Server',
  'redis_version:7.0.15',
  'run_id:4b1e5c0c2f1f9a1d2d6f4bb0b0f5d2d0d1c2b3a4',
  'tcp_port:6379',
  '',
  '# Replication',
  'role:master',
  'connected_slaves:2',
  'slave0:ip=10.0.3.8,port=31002,state=online,offset=1234,lag=0',
  'slave1:ip=10.0.3.9,port=31003,state=wait_bgsave,offset=0,lag=3',
  'master_failover_state:no-failover',
  'master_replid:8c1b7b0b1f5a7d7d8f1ba0c6c9f0e5d4c3b2a190',
  'master_repl_offset:1234',
  '',
  '# Keyspace',
  'db0:keys=12,expires=1,avg_ttl=0',
  'db3:keys=5,expires=0,avg_ttl=0',
  '',
].join('\r\n');

const REPLICA_INFO = [
  '# Replication',
  'role:slave',
  'master_host:10.0.3.7',
  'master_port:31001',
  'master_link_status:up',
  'slave_repl_offset:999',
  'master_repl_offset:1000',
  'connected_slaves:0',
].join('\n');

describe('parseInfo', () => {
  it('splits CRLF text into lower-case sections of key → raw value', () => {
    const info = parseInfo(MASTER_INFO);
    expect(Object.keys(info)).toEqual(['server', 'replication', 'keyspace']);
    expect(info['server']?.['redis_version']).toBe('7.0.15');
    expect(info['replication']?.['slave0']).toBe('ip=10.0.3.8,port=31002,state=online,offset=1234,lag=0');
    expect(info['keyspace']?.['db3']).toBe('keys=5,expires=0,avg_ttl=0');
  });

  it('keeps colons inside values and puts header-less lines in section ""', () => {
    const info = parseInfo('executable:/usr/bin/redis-server\nconfig_file:C:\\x\n# Clients\nconnected_clients:1');
    expect(info['']).toEqual({ executable: '/usr/bin/redis-server', config_file: 'C:\\x' });
    expect(info['clients']).toEqual({ connected_clients: '1' });
  });

  it('ignores garbage lines and an empty text', () => {
    expect(parseInfo('')).toEqual({});
    expect(parseInfo('# Replication\nnot a field\n:nokey\nrole:master')).toEqual({ replication: { role: 'master' } });
  });

  it('parseFields splits k=v lists', () => {
    expect(parseFields('keys=12,expires=1,avg_ttl=0')).toEqual({ keys: '12', expires: '1', avg_ttl: '0' });
    expect(parseFields('')).toEqual({});
  });
});

describe('observationFromInfo', () => {
  it('reads a master: replicas with state/offset/lag, keys per database and in total', () => {
    const o = observationFromInfo(MASTER_INFO);
    expect(o.role).toBe('master');
    expect(o.masterHost).toBeUndefined();
    expect(o.linkUp).toBe(false);
    expect(o.offset).toBe(1234);
    expect(o.keysPerDb).toEqual({ db0: 12, db3: 5 });
    expect(o.keys).toBe(17);
    expect(o.runId).toBe('4b1e5c0c2f1f9a1d2d6f4bb0b0f5d2d0d1c2b3a4');
    expect(o.replicas).toEqual([
      { host: '10.0.3.8', port: 31002, state: 'online', offset: 1234, lag: 0 },
      { host: '10.0.3.9', port: 31003, state: 'wait_bgsave', offset: 0, lag: 3 },
    ]);
  });

  it('reads a replica: its master and link state', () => {
    const o = observationFromInfo(REPLICA_INFO);
    expect(o).toMatchObject({ role: 'slave', masterHost: '10.0.3.7', masterPort: 31001, linkUp: true, offset: 1000, keys: 0, replicas: [] });
  });

  it('a replica whose link is down says so', () => {
    expect(observationFromInfo(REPLICA_INFO.replace('master_link_status:up', 'master_link_status:down')).linkUp).toBe(false);
  });
});
