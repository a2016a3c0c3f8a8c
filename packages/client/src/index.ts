export { RedisZk, type ClientOptions, type RedisZkOptions } from './client.js';
export { decideFollow, reResolveCode, RE_RESOLVE_CODES, type FollowDecision, type FollowFacts, type FollowRule } from './decide-follow.js';
export { type ReadFrom } from './connector.js';
export type { MasterChanged } from './follower.js';
