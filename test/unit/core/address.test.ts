import { describe, expect, it } from 'vitest';
import type { NetworkInterfaceInfo } from 'node:os';
import { isRedisZkError, resolveAddress } from '@redis-zk/core';

function v4(address: string, internal = false): NetworkInterfaceInfo {
  return { address, netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal, cidr: `${address}/24` };
}
function v6(address: string): NetworkInterfaceInfo {
  return { address, netmask: 'ffff::', family: 'IPv6', mac: '00:00:00:00:00:00', internal: false, cidr: `${address}/64`, scopeid: 0 };
}

const interfaces = { lo: [v4('127.0.0.1', true)], eth0: [v6('fe80::1'), v4('10.0.3.7')], eth1: [v4('192.168.1.5')] };
const noLookup = async () => undefined;

describe('resolveAddress order: BIND_IP, NET_IFACE, HOST, first non-internal IPv4', () => {
  it('a NET_IFACE the user set that is not there (or has no IPv4) is an error naming it, never a fall-through to another address', async () => {
    const err = await resolveAddress({ bindIp: undefined, netIface: 'eth9', netIfaceSet: true, hostEnv: '10.1.1.1' }, interfaces, noLookup).catch((e: unknown) => e);
    expect(isRedisZkError(err, 'CONFIG_INVALID')).toBe(true);
    expect(String((err as Error).message)).toMatch(/^NET_IFACE="eth9" is invalid: expected an interface of this machine with an IPv4 address \(there is no such interface; present: eth0, eth1, lo\)$/);
    const noV4 = await resolveAddress({ bindIp: undefined, netIface: 'v6only', netIfaceSet: true, hostEnv: undefined }, { ...interfaces, v6only: [v6('fe80::2')] }, noLookup).catch((e: unknown) => e);
    expect(String((noV4 as Error).message)).toMatch(/it has no IPv4 address/);
    // BIND_IP still wins over a wrong NET_IFACE.
    expect((await resolveAddress({ bindIp: '10.9.9.9', netIface: 'eth9', netIfaceSet: true, hostEnv: undefined }, interfaces, noLookup)).source).toBe('BIND_IP');
  });

  it('BIND_IP wins over everything and is also what is bound', async () => {
    expect(await resolveAddress({ bindIp: '10.9.9.9', netIface: 'eth0', hostEnv: '10.1.1.1' }, interfaces, noLookup)).toEqual({
      announce: '10.9.9.9',
      bind: '10.9.9.9',
      source: 'BIND_IP',
      listen: ['10.9.9.9', '127.0.0.1'],
      local: '127.0.0.1',
    });
  });

  it("then NET_IFACE's IPv4 (not its IPv6)", async () => {
    expect(await resolveAddress({ bindIp: undefined, netIface: 'eth0', hostEnv: '10.1.1.1' }, interfaces, noLookup)).toEqual({
      announce: '10.0.3.7',
      bind: '10.0.3.7',
      source: 'NET_IFACE',
      listen: ['10.0.3.7', '127.0.0.1'],
      local: '127.0.0.1',
    });
  });

  it('then HOST, resolved when it is a name, binding all addresses', async () => {
    expect(await resolveAddress({ bindIp: undefined, netIface: 'eth9', hostEnv: '10.1.1.1' }, interfaces, noLookup)).toMatchObject({
      announce: '10.1.1.1',
      bind: '0.0.0.0',
      source: 'HOST',
    });
    const lookups: string[] = [];
    const lookup = async (h: string) => {
      lookups.push(h);
      return '10.2.2.2';
    };
    expect(await resolveAddress({ bindIp: undefined, netIface: 'eth9', hostEnv: 'agent-3.mesos' }, interfaces, lookup)).toMatchObject({
      announce: '10.2.2.2',
      source: 'HOST',
    });
    expect(lookups).toEqual(['agent-3.mesos']);
  });

  it('then the first non-internal IPv4 when HOST is unset or does not resolve', async () => {
    for (const hostEnv of [undefined, 'nowhere.invalid']) {
      expect(await resolveAddress({ bindIp: undefined, netIface: 'eth9', hostEnv }, interfaces, noLookup)).toEqual({
        announce: '10.0.3.7',
        bind: '0.0.0.0',
        source: 'first-interface',
        listen: ['0.0.0.0'],
        local: '127.0.0.1',
      });
    }
  });

  it('a loopback BIND_IP is listened on alone (Mesos health checks reach it already)', async () => {
    expect(await resolveAddress({ bindIp: '127.0.0.1', netIface: 'eth0', hostEnv: undefined }, interfaces, noLookup)).toMatchObject({
      listen: ['127.0.0.1'],
      local: '127.0.0.1',
    });
  });

  it('fails with ADDRESS_UNRESOLVED naming BIND_IP when nothing gives an address', async () => {
    const err = await resolveAddress({ bindIp: undefined, netIface: 'eth9', hostEnv: undefined }, { lo: [v4('127.0.0.1', true)] }, noLookup).catch((e: unknown) => e);
    expect(isRedisZkError(err, 'ADDRESS_UNRESOLVED')).toBe(true);
    expect((err as Error).message).toMatch(/set BIND_IP/);
  });
});
