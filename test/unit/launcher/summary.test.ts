import { describe, expect, it } from 'vitest';
import type { LocalGroup, TaskInfo } from '../../../packages/launcher/src/launcher.js';
import { summary } from '../../../packages/launcher/src/summary.js';

const task = (name: string, program: TaskInfo['program'], port: number): TaskInfo => ({
  name, taskId: `t_${name}`, appId: `/redis-zk/${name}`, program, instance: 0, launch: 1, host: '127.0.0.1', port, ports: [port], pid: 1, state: 'running', healthy: true, sandbox: '/tmp', startedAt: 0,
});

/** Only what summary() reads of a running group. */
function groupWith(watcherEnv: Record<string, string>): LocalGroup {
  const tasks = [task('watcher.0', 'watcher', 8080), task('redis.0', 'server', 6379)];
  const envs: Record<string, Record<string, string>> = { 'watcher.0': watcherEnv, 'redis.0': {} };
  return { tasks: () => tasks, taskEnv: (name: string) => envs[name], apps: [], zkHosts: '127.0.0.1:2181/redis-zk' } as unknown as LocalGroup;
}

describe('launcher summary', () => {
  it("gives the watcher's address in the scheme it serves: https with HTTP_TLS_CERT_FILE, with a hint for curl", () => {
    const plain = summary(groupWith({}));
    expect(plain).toContain('Status page: http://127.0.0.1:8080/');
    expect(plain).toContain('curl http://127.0.0.1:8080/metrics');
    expect(plain).not.toContain('https://');
    const secure = summary(groupWith({ HTTP_TLS_CERT_FILE: '/etc/tls/http.crt', HTTP_TLS_KEY_FILE: '/etc/tls/http.key' }));
    expect(secure).toContain('Status page: https://127.0.0.1:8080/');
    expect(secure).toContain('curl https://127.0.0.1:8080/metrics');
    expect(secure).toContain('give curl --cacert');
    expect(secure).not.toContain('http://127.0.0.1:8080');
  });
});
