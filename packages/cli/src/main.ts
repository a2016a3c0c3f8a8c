import { hostname, userInfo } from 'node:os';
import { createLogger, isRedisZkError, linkAuths, loadWatcherConfig, RedisZkError, VERSION, Zk, zkPaths, type WatcherConfig } from '@redis-zk/core';
import { parseArgs, positiveInt, type Invocation } from './args.js';
import { checkExit, checkGroup } from './decide-check.js';
import { groupNames, notApplied, observeGroup, type Auths, type GroupReport } from './observe.js';
import { EXIT, exitFor, HELP, commandHelp } from './help.js';
import { renderHistory, renderList, renderProblems } from './render.js';
import { followEvents, switchover, watcherBase } from './watcher-api.js';


const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);

async function main(argv: string[]): Promise<number> {
  const inv = parseArgs(argv);
  if (inv === 'help') return out(HELP), EXIT.ok;
  if (inv === 'version') return out(`redis-zk ${VERSION}`), EXIT.ok;
  if ('help' in inv) return out(commandHelp(inv.help)), EXIT.ok;
  const config = loadWatcherConfig(process.env);
  const group = inv.group ?? config.defaultMasterName;
  switch (inv.command) {
    case 'events':
      return followEvents(watcherBase(inv, process.env), inv.group, inv.json, positiveInt('count', inv.flags.get('count'), Number.MAX_SAFE_INTEGER, 1_000_000_000), inv.flags.get('since') as string | undefined, out);
    case 'switchover':
      return withZk(config, (zk) => switchover(zk, config, inv, group, out));
    default:
      return withZk(config, (zk) => zkCommand(zk, config, inv, out));
  }
}

/** A ZooKeeper session for one command: a wrong ZK_HOSTS is one line and exit 3, never a hang. */
async function withZk(config: WatcherConfig, fn: (zk: Zk) => Promise<number>): Promise<number> {
  const zk = await Zk.connect({ ...config.zk, connectTimeoutMs: Math.min(config.zk.connectTimeoutMs, 10_000) }, createLogger('redis-zk', 'silent'), { createChroot: false });
  try {
    return await fn(zk);
  } finally {
    await Promise.race([zk.close().catch(() => undefined), new Promise((r) => setTimeout(r, 1_000).unref())]);
  }
}

async function zkCommand(zk: Zk, config: WatcherConfig, inv: Invocation, say: (s: string) => void): Promise<number> {
  const auths: Auths = linkAuths(config);
  const all = await groupNames(zk, config.defaultMasterName);
  const named = inv.group ?? (inv.command === 'list' || inv.command === 'check' || inv.flags.has('all') ? undefined : config.defaultMasterName);
  if (named !== undefined && !all.includes(named)) throw new RedisZkError('UNKNOWN_GROUP', `no group ${JSON.stringify(named)} has a record under ${zkPaths.MASTERS} (groups: ${all.join(', ') || 'none'})`);
  const groups = named === undefined ? all : [named];
  const observe = () => Promise.all(groups.map((g) => observeGroup(zk, g, config.defaultMasterName, auths)));
  switch (inv.command) {
    case 'list': {
      const reports = await observe();
      say(inv.json ? JSON.stringify({ groups: reports }, null, 2) : renderList(reports));
      return EXIT.ok;
    }
    case 'check': {
      const problems = (await observe()).flatMap(checkGroup);
      say(inv.json ? JSON.stringify({ ok: checkExit(problems) === 0, problems }, null, 2) : renderProblems(problems, groups.length));
      return checkExit(problems);
    }
    case 'history': {
      const reports = await observe();
      say(inv.json ? JSON.stringify({ group: groups[0], changes: reports[0]!.history }, null, 2) : renderHistory(reports[0]!));
      return EXIT.ok;
    }
    case 'pause':
    case 'resume':
      return pauseOrResume(zk, inv, groups, observe, say);
    default:
      throw new RedisZkError('USAGE', `redis-zk ${inv.command} is not a ZooKeeper command`);
  }
}

/**
 * `pause` creates `/redis/paused/<name>` (who, when, why), `resume` removes it. With --wait, until
 * every registered server and sentinel of the group acknowledges the new state, or --timeout.
 */
async function pauseOrResume(zk: Zk, inv: Invocation, groups: string[], observe: () => Promise<GroupReport[]>, say: (s: string) => void): Promise<number> {
  const pausing = inv.command === 'pause';
  const t0 = performance.now();
  const changed: string[] = [];
  await zk.mkdirp(zkPaths.PAUSED);
  for (const g of groups) {
    const path = zkPaths.pausedOf(g);
    if (pausing) {
      const info = { since: new Date().toISOString(), by: `${safeUser()}@${hostname()}`, reason: typeof inv.flags.get('reason') === 'string' ? (inv.flags.get('reason') as string).slice(0, 200) : undefined };
      try {
        await zk.create(path, JSON.stringify(info));
        changed.push(g);
      } catch (err) {
        if (!isRedisZkError(err, 'ZK_NODE_EXISTS')) throw err;
      }
    } else {
      try {
        await zk.remove(path);
        changed.push(g);
      } catch (err) {
        if (!isRedisZkError(err, 'ZK_NO_NODE')) throw err;
      }
    }
  }
  const want = pausing ? 'paused' : 'running';
  const result = { groups, changed, state: want, applied: undefined as boolean | undefined, waitedMs: undefined as number | undefined, pending: [] as string[] };
  if (inv.flags.has('wait')) {
    const deadline = Date.now() + positiveInt('timeout', inv.flags.get('timeout'), 30_000);
    for (;;) {
      const reports = await observe();
      result.pending = reports.flatMap((r) => notApplied(r, want).map((p) => `${r.name}:${p.addr}`));
      if (result.pending.length === 0 || Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    result.applied = result.pending.length === 0;
    result.waitedMs = Math.round(performance.now() - t0);
  }
  if (inv.json) say(JSON.stringify(result, null, 2));
  else {
    for (const g of groups) say(`${g}: ${changed.includes(g) ? want : `already ${want}`}`);
    if (result.applied === true) say(`applied by every server and sentinel in ${result.waitedMs} ms`);
    if (result.applied === false) say(`not applied within --timeout by: ${result.pending.join(', ')}`);
  }
  return result.applied === false ? EXIT.timeout : EXIT.ok;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}


main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (isRedisZkError(err)) process.stderr.write(`redis-zk: ${err.code}: ${err.message}\n`);
    else process.stderr.write(`redis-zk: unexpected failure: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(exitFor(err));
  },
);
