// Not a test file: type-checked by `pnpm run typecheck`. The package's public types are written
// once, in its declarations (packages/client/types/index.d.ts), and the source uses them; what the
// declarations say of the source's values (the class, the functions) is checked here.
import type * as Declared from '../../../packages/client/types/index.js';
import type * as Source from '../../../packages/client/src/index.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const yes = <T extends true>(): T => true as T;

yes<Same<typeof Declared.RE_RESOLVE_CODES, typeof Source.RE_RESOLVE_CODES>>();
yes<Same<typeof Declared.decideFollow, typeof Source.decideFollow>>();
yes<Same<typeof Declared.reResolveCode, typeof Source.reResolveCode>>();
yes<Same<Parameters<typeof Source.RedisZk.connect>, Parameters<typeof Declared.RedisZk.connect>>>();
yes<Same<ReturnType<Source.RedisZk['client']>, ReturnType<Declared.RedisZk['client']>>>();
yes<Same<Parameters<Source.RedisZk['client']>, Parameters<Declared.RedisZk['client']>>>();
yes<Same<Source.RedisZk['master'], Declared.RedisZk['master']>>();
yes<Same<Source.RedisZk['zkState'], Declared.RedisZk['zkState']>>();
yes<Same<Source.RedisZk['close'], Declared.RedisZk['close']>>();
yes<Same<Parameters<Source.RedisZk['on']>[0], Parameters<Declared.RedisZk['on']>[0]>>();
// The declarations' own copies of core's shapes match core.
yes<Same<Declared.ZkState, import('../../../packages/core/src/index.js').ZkState>>();
yes<Same<Declared.RecordValue, import('../../../packages/core/src/index.js').RecordValue>>();
yes<Same<Declared.TlsClient, import('../../../packages/core/src/index.js').TlsClient>>();
