import { Zk, joinHostPort, linkAuths, loadWatcherConfig, runProgram, whenAborted, zkPaths } from '@redis-zk/core';
import { runBehaviours, type Behaviour } from './behaviours/behaviour.js';
import { EventLog } from './behaviours/event-log.js';
import { checkHookCommand, hookCommandBehaviour } from './behaviours/hook-command.js';
import { zkRecordBehaviour } from './behaviours/zk-record.js';
import { parseSentinelEvent, parseSwitchMaster } from './events.js';
import { watcherMetrics } from './metrics.js';
import { Switchover } from './switchover.js';
import { helpText } from './help.js';
import { listenAll } from './http/listen.js';
import { createHttpServer } from './http/server.js';
import { Reconciler } from './reconcile.js';
import { RedisFacts } from './redis-facts.js';
import { WatcherState } from './state.js';
import { Subscription } from './subscription.js';
import { Leaders } from './leaders.js';
import { createView } from './view.js';

/** The same switch announced again (by another sentinel) within this window is a duplicate. */
const DUPLICATE_WINDOW_MS = 60_000;

await runProgram({
  name: 'redis-zk-watcher',
  help: helpText(),
  async run(ctx) {
    // 0. Configuration: a bad value is one line and exit 2 (runProgram).
    const config = loadWatcherConfig(ctx.env);
    const log = ctx.makeLogger(config.logLevel);
    await checkHookCommand(config.hookCommand);
    const { redis: auth, sentinel: sentinelAuth } = linkAuths(config);

    // 1. ZooKeeper, and the in-memory view every answer comes from.
    const zk = await Zk.connect(config.zk, log);
    await zk.mkdirp(zkPaths.MASTERS);
    await zk.mkdirp(zkPaths.EPOCHS);
    await zk.mkdirp(zkPaths.PAUSED);
    const state = new WatcherState(zk, config.defaultMasterName, log);
    state.start();

    // 2. Behaviours attached to master switches; the ZooKeeper record is one of them.
    //    Everything seen and done goes to one event log: /status, /events and /metrics read it.
    const events = new EventLog();
    zk.on('state', (s) => events.add({ kind: 'zookeeper', detail: s }));
    let switchWritten: ((name: string, seconds: number) => void) | undefined;
    const reconciler = new Reconciler(zk, state, config.defaultMasterName, auth, sentinelAuth, log, (w) => {
      if (w.changed) events.add({ kind: 'record-written', name: w.name, to: joinHostPort(w.master), detail: w.reason });
      if (w.changed && w.ms !== undefined) switchWritten?.(w.name, w.ms / 1000);
    });
    const recordBehaviour = zkRecordBehaviour(reconciler);
    const behaviours: Behaviour[] = [recordBehaviour, events.behaviour()];
    if (config.hookCommand !== undefined) {
      behaviours.push(hookCommandBehaviour(config.hookCommand, config.hookTimeoutMs, log, (e, outcome, detail) => events.add({ kind: 'hook', name: e.name, to: joinHostPort(e.to), outcome, detail })));
    }

    // FAILOVER_MODE=zookeeper: no sentinels. A switch is a record moving (the elected replica
    // writes it); the behaviours other than the record itself run on it.
    const zkMode = config.failoverMode === 'zookeeper';
    const leaders = zkMode ? new Leaders(zk, config.defaultMasterName, state) : undefined;
    if (leaders !== undefined) {
      leaders.start();
      state.on('record', (name, from, to) => {
        log.info({ event: 'RECORD_CHANGED', group: name, from, to }, `ZooKeeper records ${name} moving to ${joinHostPort(to)}.`);
        runBehaviours(behaviours.filter((b) => b !== recordBehaviour), { name, from, to, source: 'zookeeper', at: new Date() }, (b, err) =>
          log.warn({ event: 'BEHAVIOUR_FAILED', behaviour: b.name, err }, `Behaviour ${b.name} failed on a switch of ${name}.`),
        );
      });
    }

    // 3. Subscribe to the live sentinels' +switch-master; reconcile on every (re)subscription.
    //    Every sentinel announces the same switch: behaviours other than the record run once.
    const lastSwitch = new Map<string, { key: string; at: number }>();
    const subscription = new Subscription(state, sentinelAuth, log);
    subscription.on('subscribed', (s) => void reconciler.all(`subscribed to sentinel ${joinHostPort(s)}`));
    subscription.on('message', (payload, s) => {
      const source = joinHostPort(s);
      const parsed = parseSwitchMaster(payload);
      if (!parsed.ok) {
        log.warn({ event: 'SWITCH_REFUSED', sentinel: source }, `Refusing a +switch-master message from ${source}: ${parsed.reason}.`);
        events.add({ kind: 'refused', source, detail: parsed.reason });
        return;
      }
      if (!state.isMonitored(parsed.name)) {
        log.debug({ event: 'SWITCH_IGNORED', sentinel: source, group: parsed.name }, `Ignoring a switch of ${parsed.name}: not a monitored group.`);
        return;
      }
      const key = `${parsed.name} ${joinHostPort(parsed.from)} ${joinHostPort(parsed.to)}`;
      const now = Date.now();
      // Compared with the group's last switch only, so a real A→B→A→B is never taken for a repeat.
      const last = lastSwitch.get(parsed.name);
      const duplicate = last !== undefined && last.key === key && now - last.at < DUPLICATE_WINDOW_MS;
      if (!duplicate) lastSwitch.set(parsed.name, { key, at: now });
      log[duplicate ? 'debug' : 'info']({ event: 'SWITCH_ANNOUNCED', duplicate, sentinel: source, group: parsed.name, from: parsed.from, to: parsed.to }, `Sentinel ${source} announced ${parsed.name} moving to ${joinHostPort(parsed.to)}${duplicate ? ' (already announced by another sentinel)' : ''}.`);
      runBehaviours(duplicate ? [recordBehaviour] : behaviours, { ...parsed, source, sentinel: { host: s.host, port: s.port }, at: new Date() }, (b, err) =>
        log.warn({ event: 'BEHAVIOUR_FAILED', behaviour: b.name, err }, `Behaviour ${b.name} failed on a switch of ${parsed.name}.`),
      );
    });
    subscription.on('event', (channel, payload, s) => {
      const facts = parseSentinelEvent(payload);
      if (facts !== undefined && !state.isMonitored(facts.name)) return;
      events.add({ kind: 'sentinel', event: channel, name: facts?.name, source: joinHostPort(s), detail: facts === undefined ? payload.slice(0, 200) : `${facts.instanceType} ${facts.instance}` });
    });
    if (!zkMode) subscription.start();

    // 4. Periodic reconcile, so a failover missed between sentinels or while down is repaired.
    const interval = zkMode ? undefined : setInterval(() => void reconciler.all('periodic check'), config.reconcileIntervalMs);
    if (!zkMode) {
      state.on('groups', () => void reconciler.all('the set of groups changed'));
      // The record is watched, not polled: any change (ours included, which then finds nothing
      // to do) is judged by the rule at once; one it does not back is repaired.
      state.on('record-changed', (name) => void reconciler.request(name, 'the record changed'));
      // A new registration is vetted at once: it is handed out by /sentinels only once it answers.
      state.on('sentinels', () => void reconciler.request(config.defaultMasterName, 'the registered sentinels changed'));
    }

    // 5. HTTP API from memory; Redis facts for /status refreshed in the background.
    const facts = new RedisFacts(() => state.knownMasters(), auth, 1_000, (name, addr, fenced) =>
      events.add({ kind: 'fencing', name, to: joinHostPort(addr), outcome: fenced ? 'up' : 'lifted', detail: fenced ? `${joinHostPort(addr)} refuses writes: its wrapper cannot confirm it is the master` : `${joinHostPort(addr)} takes writes again` }),
    );
    facts.start();
    const view = createView(config.defaultMasterName, state, zkMode ? undefined : subscription, facts, events, leaders);
    const metrics = watcherMetrics({ zk, state, facts, events, view, subscription: zkMode ? undefined : subscription });
    switchWritten = metrics.observeSwitchLatency;
    const switchover = new Switchover({ zk, defaultName: config.defaultMasterName, failoverMode: config.failoverMode, auth, sentinelAuth, log, events });
    const operations = {
      metrics: () => metrics.registry.metrics(),
      events,
      switchover: (g: string, candidate: Parameters<Switchover['run']>[1]) => switchover.run(g, candidate),
      apiToken: config.apiToken,
      defaultName: config.defaultMasterName,
      knows: (g: string) => view.knows(g),
    };
    // Mesos-level HTTP health checks connect to the task's loopback interface: a watcher bound
    // to one specific address answers on 127.0.0.1 too (one server per address).
    const hosts = config.bindIp === undefined ? ['0.0.0.0'] : config.bindIp.startsWith('127.') ? [config.bindIp] : [config.bindIp, '127.0.0.1'];
    const apps = hosts.map(() => createHttpServer(view, { operations, observe: metrics.observeHttp, https: config.httpTls }));
    await listenAll(apps, hosts, config.port, config.bindIp);
    log.info({ event: 'STARTING', hosts, port: config.port, tls: config.httpTls !== undefined, group: config.defaultMasterName, failoverMode: config.failoverMode }, `Watching every group (default ${config.defaultMasterName}${zkMode ? ', FAILOVER_MODE=zookeeper' : ''}); ${config.httpTls === undefined ? 'HTTP' : 'HTTPS'} API on port ${config.port}; status page at ${config.httpTls === undefined ? 'http' : 'https'}://${config.bindIp ?? '127.0.0.1'}:${config.port}/; POST /switchover ${config.apiToken === undefined ? 'disabled (no API_TOKEN)' : 'enabled'}.`);

    // 6. Until SIGTERM/SIGINT.
    await whenAborted(ctx.shutdown, undefined);
    log.info({ event: 'STOPPING', signal: String(ctx.shutdown.reason) }, 'Stopping.');
    clearInterval(interval);
    leaders?.close();
    subscription.close();
    reconciler.close();
    facts.close();
    state.close();
    await Promise.all(apps.map((app) => app.close()));
    await zk.close();
    return 0;
  },
});
