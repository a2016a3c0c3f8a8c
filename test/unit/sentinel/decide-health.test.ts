import { describe, expect, it } from 'vitest';
import { decideSentinelHealth, type SentinelStatus } from '../../../packages/sentinel/src/decide-health.js';

const master = { ip: '10.0.0.1', port: '6379', flags: 'master', 'num-slaves': '2', 'num-other-sentinels': '2', 'config-epoch': '3' };
const status = (over: Partial<SentinelStatus> = {}): SentinelStatus => ({ self: '10.0.1.1:26379', starting: false, error: undefined, groups: [{ name: 'mymaster', master }], zookeeper: 'connected', ...over });

describe('decideSentinelHealth', () => {
  it('(3) 200 while redis-sentinel answers and monitors every followed group, with what it knows of each', () => {
    const h = decideSentinelHealth(status());
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ status: 'ok', sentinel: '10.0.1.1:26379', groups: [{ name: 'mymaster', master: '10.0.0.1:6379', flags: ['master'], knownReplicas: 2, otherSentinels: 2, configEpoch: 3 }] });
  });

  it('(3) ZooKeeper away is not a reason to restart a sentinel; a master down is the sentinels\' job', () => {
    const h = decideSentinelHealth(status({ zookeeper: 'disconnected', groups: [{ name: 'mymaster', master: { ...master, flags: 'master,s_down,o_down' } }] }));
    expect(h.status).toBe(200);
    expect(h.body.reason).toMatch(/ZooKeeper is disconnected \(not a reason to restart a sentinel\)$/);
  });

  it('(0) not running yet, (1) not answering, (2) a followed group not monitored: 503 saying which', () => {
    expect(decideSentinelHealth(status({ starting: true, groups: [] }))).toMatchObject({ status: 503, body: { status: 'failing', reason: expect.stringMatching(/^redis-sentinel is not running: waiting for the master record/) } });
    expect(decideSentinelHealth(status({ error: 'NOAUTH Authentication required.' })).body.reason).toBe('redis-sentinel does not answer: NOAUTH Authentication required.');
    const missing = decideSentinelHealth(status({ groups: [{ name: 'mymaster', master }, { name: 'cache', master: undefined }] }));
    expect(missing.status).toBe(503);
    expect(missing.body.reason).toBe('redis-sentinel does not monitor cache, which this wrapper follows');
    expect(missing.body.groups[1]).toEqual({ name: 'cache', master: null, flags: [], knownReplicas: null, otherSentinels: null, configEpoch: null });
  });
});
