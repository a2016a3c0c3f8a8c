import { describe, expect, it } from 'vitest';
import { answerFrom, confirmsLineage, FAILOVER_START_GRACE_MS, majorityOf, monitoringHealth, refusalOf, RetriesExhausted, sentinelVerdict, withRefusalHint, withRetry, type SentinelAnswer } from '../../../packages/core/src/index.js';

const A = { host: '10.0.0.1', port: 6379 };
const B = { host: '10.0.0.2', port: 6379 };
const FOREIGN = { host: '10.9.9.9', port: 6379 };
const s = (i: number) => ({ host: '10.0.1.1', port: 26379 + i });
const names = (i: number, master: typeof A, epoch = 1): SentinelAnswer => ({ kind: 'master', sentinel: s(i), master, epoch, flags: ['master'] });

describe('sentinelVerdict (rule A1: a majority of the registered sentinels)', () => {
  it('majorityOf is a strict majority', () => {
    expect([1, 2, 3, 4, 5].map(majorityOf)).toEqual([1, 2, 2, 3, 3]);
  });

  it('one rogue sentinel with a high epoch does not outvote three that agree', () => {
    const v = sentinelVerdict(4, [names(0, A, 1), names(1, A, 1), names(2, A, 1), names(3, FOREIGN, 50)]);
    expect(v).toMatchObject({ kind: 'agreed', master: A, epoch: 1, votes: 3, dissenters: [s(3)] });
  });

  it('the majority is of the registered sentinels, not of those that answered', () => {
    // Two of five answer (three are partitioned away): agreement among the two is not a majority.
    const v = sentinelVerdict(5, [names(0, B, 7), names(1, B, 7)]);
    expect(v.kind).toBe('none');
    expect(v.reason).toMatch(/3 needed/);
  });

  it('a lone registered sentinel decides alone (1 of 1)', () => {
    expect(sentinelVerdict(1, [names(0, B, 2)])).toMatchObject({ kind: 'agreed', master: B, votes: 1 });
  });

  it('sentinels that refuse our password or TLS are listed as such, naming the setting; a timeout is not a refusal', () => {
    const noauth = withRefusalHint('NOAUTH Authentication required.', 'SENTINEL_PASSWORD');
    const v = sentinelVerdict(3, [
      { kind: 'unreachable', sentinel: s(0), error: noauth },
      { kind: 'unreachable', sentinel: s(1), error: withRefusalHint('timeout', 'SENTINEL_PASSWORD') },
      names(2, B, 4),
    ]);
    expect(v).toMatchObject({ kind: 'none', refused: [`10.0.1.1 26379: NOAUTH Authentication required. (SENTINEL_PASSWORD is missing or wrong)`] });
    expect(v.reason).toMatch(/; 1 refused us \(10\.0\.1\.1 26379: NOAUTH .*SENTINEL_PASSWORD is missing or wrong\)\)$/);
    expect(refusalOf('WRONGPASS invalid username-password pair or user is disabled.')).toBe('password');
    expect(refusalOf('ERR Protocol error: unauthenticated multibulk length')).toBe('password');
    expect(refusalOf('140000:error:0A000086:SSL routines::certificate verify failed')).toBe('tls');
    expect(refusalOf('connect ECONNREFUSED 127.0.0.1:1')).toBeUndefined();
    expect(withRefusalHint('self-signed certificate in certificate chain', 'SENTINEL_PASSWORD')).toMatch(/\(TLS refused: TLS_CA_FILE/);
    expect(withRefusalHint('connect ECONNREFUSED 127.0.0.1:1', 'SENTINEL_PASSWORD')).toBe('connect ECONNREFUSED 127.0.0.1:1');
  });

  it('no sentinel registered: no verdict', () => {
    expect(sentinelVerdict(0, []).kind).toBe('none');
  });

  it('a sentinel mid-failover, unreachable or not monitoring the group casts no vote', () => {
    const v = sentinelVerdict(3, [
      { kind: 'failover-in-progress', sentinel: s(0) },
      { kind: 'unreachable', sentinel: s(1), error: 'timeout' },
      names(2, B, 4),
    ]);
    expect(v).toMatchObject({ kind: 'none', votes: 1 });
    const w = sentinelVerdict(3, [{ kind: 'unknown-group', sentinel: s(0) }, names(1, B, 4), names(2, B, 3)]);
    expect(w).toMatchObject({ kind: 'agreed', master: B, epoch: 4, dissenters: [s(0)] });
  });

  it('the epoch orders only answers that pass: the agreed master carries the highest epoch among its voters', () => {
    expect(sentinelVerdict(3, [names(0, A, 3), names(1, A, 5), names(2, B, 9)])).toMatchObject({ kind: 'agreed', master: A, epoch: 5 });
  });
});

describe('answerFrom (one SENTINEL MASTER reply to a vote)', () => {
  it('reads the address, epoch and flags', () => {
    expect(answerFrom(s(0), { ip: '10.0.0.2', port: '6379', 'config-epoch': '4', flags: 'master' })).toMatchObject({ kind: 'master', master: B, epoch: 4 });
  });
  it('a failover in progress is no vote; no reply is "does not monitor"', () => {
    expect(answerFrom(s(0), { ip: '10.0.0.1', port: '6379', 'config-epoch': '5', flags: 'master,failover_in_progress' }).kind).toBe('failover-in-progress');
    expect(answerFrom(s(0), undefined).kind).toBe('unknown-group');
    expect(answerFrom(s(0), { ip: 'x y', port: '0', 'config-epoch': '-1' }).kind).toBe('unusable');
  });
});

describe('confirmsLineage (rule A2: announced master promoted from the recorded one, and a member)', () => {
  const base = { announced: B, announcedReplid2: 'r1', previousReplid: 'r1', members: [A, B] };
  it('confirms a promoted replica that is a live node', () => {
    expect(confirmsLineage(base).ok).toBe(true);
  });
  it('refuses a foreign Redis: not a member, or another lineage', () => {
    expect(confirmsLineage({ ...base, members: [A] })).toMatchObject({ ok: false, reason: expect.stringMatching(/not one of the group's live nodes/) });
    expect(confirmsLineage({ ...base, announcedReplid2: '0000000000000000000000000000000000000000' })).toMatchObject({ ok: false });
  });
  it('refuses when the previous master was never seen', () => {
    expect(confirmsLineage({ ...base, previousReplid: undefined }).ok).toBe(false);
  });
});

describe('withRetry (one retry policy)', () => {
  it('retries what the predicate allows, up to the attempts', async () => {
    let calls = 0;
    const r = await withRetry(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('conflict');
        return 'ok';
      },
      { attempts: 5, retryOn: (e) => (e as Error).message === 'conflict' },
    );
    expect([r, calls]).toEqual(['ok', 3]);
  });
  it('gives up with RetriesExhausted, and rethrows what is not retryable at once', async () => {
    await expect(withRetry(async () => Promise.reject(new Error('conflict')), { attempts: 2, retryOn: () => true })).rejects.toBeInstanceOf(RetriesExhausted);
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw new Error('fatal');
        },
        { attempts: 5, retryOn: () => false },
      ),
    ).rejects.toThrow('fatal');
    expect(calls).toBe(1);
  });
});

describe('monitoringHealth (can the sentinels monitor the master at all?)', () => {
  const blind = (i: number): SentinelAnswer => ({ kind: 'master', sentinel: s(i), master: A, epoch: 1, flags: ['master', 's_down', 'disconnected'], lastOkPingMs: 9_000, downAfterMs: 1_000 });
  it('unhealthy when a majority have had no valid reply for longer than down-after, naming REDIS_PASSWORD', () => {
    const h = monitoringHealth('mymaster', [blind(0), blind(1), names(2, A)]);
    expect(h.ok).toBe(false);
    if (!h.ok) expect(h.reason).toMatch(/cannot monitor the master 10\.0\.0\.1 6379 of mymaster: 2 of 3 .*REDIS_PASSWORD/);
  });
  it('healthy during a failover, within down-after, or with a minority blind', () => {
    expect(monitoringHealth('m', [blind(0), blind(1), { kind: 'failover-in-progress', sentinel: s(2) }]).ok).toBe(true);
    expect(monitoringHealth('m', [{ ...blind(0), lastOkPingMs: 500 } as SentinelAnswer, { ...blind(1), lastOkPingMs: 500 } as SentinelAnswer]).ok).toBe(true);
    expect(monitoringHealth('m', [blind(0), names(1, A), names(2, A)]).ok).toBe(true);
  });
  it('healthy while a failover may still be starting: down-after passed, the grace for the election not yet (an ordinary failover raised a false alarm)', () => {
    const starting = (i: number) => ({ ...blind(i), lastOkPingMs: 1_000 + FAILOVER_START_GRACE_MS - 1 }) as SentinelAnswer;
    expect(monitoringHealth('m', [starting(0), starting(1), starting(2)]).ok).toBe(true);
    const past = (i: number) => ({ ...blind(i), lastOkPingMs: 1_000 + FAILOVER_START_GRACE_MS + 1 }) as SentinelAnswer;
    expect(monitoringHealth('m', [past(0), past(1), past(2)]).ok).toBe(false);
  });
});
