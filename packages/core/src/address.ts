import { lookup } from 'node:dns/promises';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { ConfigError, RedisZkError } from './errors.js';
import { isIPv4 } from './config/parse.js';

export interface ResolvedAddress {
  /** What other hosts use to reach us: written to ZooKeeper and announced to Redis/Sentinel. */
  announce: string;
  /** What the server binds: the announced address when it was chosen explicitly, else all. */
  bind: string;
  /**
   * Every address to listen on: `bind`, plus 127.0.0.1 when `bind` is one specific non-loopback
   * address, because Mesos-level health checks (MESOS_TCP/MESOS_HTTP) connect to the task's
   * loopback interface.
   */
  listen: string[];
  /** How the wrapper itself reaches its child server. */
  local: string;
  source: 'BIND_IP' | 'NET_IFACE' | 'HOST' | 'first-interface';
}

export interface AddressInputs {
  bindIp: string | undefined;
  netIface: string;
  /** NET_IFACE was set by the user (not the eth0 default): an interface that is not there is an error. */
  netIfaceSet?: boolean;
  hostEnv: string | undefined;
}

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

function ipv4Of(list: NetworkInterfaceInfo[] | undefined): string | undefined {
  return list?.find((i) => i.family === 'IPv4')?.address;
}

/**
 * The contract's order: BIND_IP, else NET_IFACE's IPv4, else HOST, else the first non-internal
 * IPv4. Pure apart from the DNS lookup of HOST, which is injected for tests.
 */
export async function resolveAddress(
  inputs: AddressInputs,
  interfaces: Interfaces = networkInterfaces(),
  resolveHost: (host: string) => Promise<string | undefined> = lookupIPv4,
): Promise<ResolvedAddress> {
  if (inputs.bindIp !== undefined) return addressOf(inputs.bindIp, inputs.bindIp, 'BIND_IP');
  const ifaceIp = ipv4Of(interfaces[inputs.netIface]);
  if (ifaceIp !== undefined) return addressOf(ifaceIp, ifaceIp, 'NET_IFACE');
  if (inputs.netIfaceSet === true) {
    const present = Object.keys(interfaces).sort().join(', ');
    const why = interfaces[inputs.netIface] === undefined ? 'there is no such interface' : 'it has no IPv4 address';
    throw new ConfigError('NET_IFACE', inputs.netIface, `an interface of this machine with an IPv4 address (${why}; present: ${present || 'none'})`);
  }
  if (inputs.hostEnv !== undefined) {
    const ip = isIPv4(inputs.hostEnv) ? inputs.hostEnv : await resolveHost(inputs.hostEnv);
    if (ip !== undefined) return addressOf(ip, '0.0.0.0', 'HOST');
  }
  for (const list of Object.values(interfaces)) {
    const ip = list?.find((i) => i.family === 'IPv4' && !i.internal)?.address;
    if (ip !== undefined) return addressOf(ip, '0.0.0.0', 'first-interface');
  }
  throw new RedisZkError(
    'ADDRESS_UNRESOLVED',
    `cannot find an address to announce: BIND_IP is unset, interface ${inputs.netIface} has no IPv4 address, ` +
      `HOST is ${inputs.hostEnv === undefined ? 'unset' : `"${inputs.hostEnv}" and does not resolve`}, and no other interface has one; set BIND_IP`,
  );
}

function addressOf(announce: string, bind: string, source: ResolvedAddress['source']): ResolvedAddress {
  const specific = bind !== '0.0.0.0' && !bind.startsWith('127.');
  return {
    announce,
    bind,
    source,
    listen: specific ? [bind, '127.0.0.1'] : [bind],
    local: bind === '0.0.0.0' || specific ? '127.0.0.1' : bind,
  };
}

async function lookupIPv4(host: string): Promise<string | undefined> {
  try {
    return (await lookup(host, { family: 4 })).address;
  } catch {
    return undefined;
  }
}
