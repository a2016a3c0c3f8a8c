export { RedisZk } from './client.js';
export { decideFollow, reResolveCode, RE_RESOLVE_CODES } from './decide-follow.js';
// The public types are written once, in the declarations the package ships.
export type { ClientLogger, ClientOptions, FollowDecision, FollowFacts, FollowRule, MasterChanged, ReadFrom, RedisZkOptions } from '../types/index.js';
