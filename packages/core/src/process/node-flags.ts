/**
 * Node flags the two wrappers run with (images, launcher). They are idle coordination loops
 * beside a Redis process: V8's optimizing compilers and a 16 MB young generation buy them
 * nothing and cost RSS. Measured on a redis-zk-server at idle (Node 20, bench/groups.mjs):
 * 68 MB without, 51 MB with (bare Node is 39 MB). The watcher keeps V8's defaults: its switch
 * path is the one place where compiled speed shows.
 */
export const WRAPPER_NODE_FLAGS: readonly string[] = ['--lite-mode', '--max-semi-space-size=1'];
