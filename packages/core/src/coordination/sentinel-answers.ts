import { isRedisZkError } from '../errors.js';
import { parseHostPort, type HostPort } from '../hostport.js';
import { sentinelMaster } from '../redis/commands.js';
import type { RedisAuth } from '../redis/probe.js';
import { withRefusalHint } from '../redis/refusal.js';
import type { SentinelAnswer } from './authority.js';
import { gather } from './gather.js';

/** `SENTINEL MASTER <name>` as a map, undefined when the sentinel does not monitor the name. */
export type SentinelMasterReply = Record<string, string> | undefined;

/** One sentinel's reply reduced to its vote. */
export function answerFrom(sentinel: HostPort, reply: SentinelMasterReply): SentinelAnswer {
  if (reply === undefined) return { kind: 'unknown-group', sentinel };
  const flags = (reply.flags ?? '').split(',').filter((f) => f !== '');
  // The failover leader raises the epoch when it promotes but changes the address only at the
  // switch: mid-failover its pair is (old address, new epoch), which would pin the old master.
  if (flags.includes('failover_in_progress')) return { kind: 'failover-in-progress', sentinel };
  const addr = parseHostPort(`${reply.ip ?? ''} ${reply.port ?? ''}`);
  const epoch = Number(reply['config-epoch']);
  if (!addr.ok || !Number.isSafeInteger(epoch) || epoch < 0) return { kind: 'unusable', sentinel };
  const ms = (v: string | undefined) => (v !== undefined && /^[0-9]+$/.test(v) ? Number(v) : undefined);
  return { kind: 'master', sentinel, master: addr.value, epoch, flags, lastOkPingMs: ms(reply['last-ok-ping-reply']), downAfterMs: ms(reply['down-after-milliseconds']) };
}

export type AskSentinel = (sentinel: HostPort, name: string) => Promise<SentinelMasterReply>;

/** A short-lived connection per question; the watcher passes its pooled one instead. */
export const askOnce =
  (auth: RedisAuth): AskSentinel =>
  (sentinel, name) =>
    sentinelMasterStrict(sentinel, auth, name);

/** Like sentinelMaster, but an unreachable sentinel rejects instead of looking like "unknown group". */
async function sentinelMasterStrict(sentinel: HostPort, auth: RedisAuth, name: string): Promise<SentinelMasterReply> {
  try {
    return await sentinelMaster(sentinel, auth, name, { strict: true });
  } catch (err) {
    if (isRedisZkError(err, 'REDIS_COMMAND_FAILED') && /no such master/i.test(err.message)) return undefined;
    throw err;
  }
}

export interface AskOptions {
  /** After a majority of the registered sentinels answered, how long the others still get. */
  graceMs: number;
  deadlineMs: number;
}

/**
 * Every registered sentinel at once; one that is slow or unreachable costs at most the grace
 * after a majority answered (never the whole probe timeout), and counts as not naming anyone.
 */
export async function askSentinels(sentinels: readonly HostPort[], name: string, ask: AskSentinel, opts: AskOptions): Promise<SentinelAnswer[]> {
  const questions = sentinels.map((s) =>
    ask(s, name).then(
      (reply) => answerFrom(s, reply),
      (err: unknown): SentinelAnswer => ({ kind: 'unreachable', sentinel: s, error: withRefusalHint(err instanceof Error ? err.message : String(err), 'SENTINEL_PASSWORD') }),
    ),
  );
  const { answers } = await gather(questions, { quorum: Math.floor(sentinels.length / 2) + 1, graceMs: opts.graceMs, deadlineMs: opts.deadlineMs });
  const answered = new Set(answers.map((a) => a.sentinel));
  return [...answers, ...sentinels.filter((s) => !answered.has(s)).map((s): SentinelAnswer => ({ kind: 'unreachable', sentinel: s, error: 'no answer in time' }))];
}
