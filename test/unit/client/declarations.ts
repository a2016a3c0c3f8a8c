// Not a test file: type-checked by `pnpm run typecheck`. The hand-written declarations of the
// published client (packages/client/types/index.d.ts) must describe the source both ways.
import type * as Declared from '../../../packages/client/types/index.js';
import type * as Source from '../../../packages/client/src/index.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const yes = <T extends true>(): T => true as T;

yes<Same<Declared.ClientOptions, Source.ClientOptions>>();
yes<Same<Declared.MasterChanged, Source.MasterChanged>>();
yes<Same<Declared.ReadFrom, Source.ReadFrom>>();
yes<Same<Declared.FollowRule, Source.FollowRule>>();
yes<Same<Declared.FollowDecision, Source.FollowDecision>>();
yes<Same<Declared.FollowFacts, Source.FollowFacts>>();
yes<Same<typeof Declared.RE_RESOLVE_CODES, typeof Source.RE_RESOLVE_CODES>>();
yes<Same<typeof Declared.decideFollow, typeof Source.decideFollow>>();
yes<Same<typeof Declared.reResolveCode, typeof Source.reResolveCode>>();
// Options: everything the declarations accept the source accepts (its logger is a pino Logger,
// declared structurally).
yes<Same<Omit<Declared.RedisZkOptions, 'logger'>, Omit<Source.RedisZkOptions, 'logger'>>>();
// The class: every declared member exists in the source with the declared type.
yes<Same<ReturnType<Source.RedisZk['client']>, ReturnType<Declared.RedisZk['client']>>>();
yes<Same<Parameters<Source.RedisZk['client']>, Parameters<Declared.RedisZk['client']>>>();
yes<Same<Source.RedisZk['master'], Declared.RedisZk['master']>>();
yes<Same<Source.RedisZk['zkState'], Declared.RedisZk['zkState']>>();
yes<Same<Source.RedisZk['close'], Declared.RedisZk['close']>>();
yes<Same<Parameters<typeof Source.RedisZk.connect>[0] extends Declared.RedisZkOptions ? true : false, true>>();
