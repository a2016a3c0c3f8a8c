// `npm start`: the group in marathon/group.json as local processes, as Marathon would run it.
import { join, relative } from 'node:path';
import { HELP, parseArgs, UsageError } from './args.js';
import { REPO_ROOT, startGroup, type LauncherOptions, type LocalGroup } from './launcher.js';
import { findMaster } from './master.js';
import { summary } from './summary.js';

const rel = (p: string) => relative(process.cwd(), p) || p;
const say = (line: string) => process.stdout.write(`launcher  | ${line}\n`);

async function main(): Promise<void> {
  let opts: LauncherOptions | 'help';
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`launcher: ${err.message}\n`);
    process.exit(2);
  }
  if (opts === 'help') {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  let group: LocalGroup | undefined;
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      // No more waiting: exiting runs the process-group hook, which SIGKILLs every task's group
      // (program, redis-server or redis-sentinel) and the local ZooKeeper.
      say(`${sig} again: killing every task and ZooKeeper now (SIGKILL)`);
      process.exit(130);
    }
    process.stdout.write('\n');
    say(`${sig}: stopping (Ctrl-C again to kill everything now)`);
    void (group?.stop() ?? Promise.resolve()).then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Under `npm start`, npm is our parent: if it goes (killed, or it exits on a signal without
  // passing it on), stop the group as for a signal instead of leaving every task running.
  const parent = process.ppid;
  const parentWatch = setInterval(() => {
    if (process.ppid === parent || signals > 0) return;
    clearInterval(parentWatch);
    onSignal('SIGHUP');
  }, 500);
  parentWatch.unref();
  say(`starting ${rel(opts.groupFile ?? join(opts.root ?? REPO_ROOT, 'marathon', 'group.json'))}`);
  try {
    group = await startGroup(opts);
  } catch (err) {
    process.stderr.write(`launcher: ${(err as Error).message}\n`);
    process.exit(1);
  }
  if (signals > 0) return;
  say('every app is healthy; asking the Redis tasks which is the master (INFO)…');
  const found = await findMaster(group);
  if (signals > 0) return;
  process.stdout.write(summary(group, found));
}

void main();
