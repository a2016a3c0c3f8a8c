// vitest setupFiles entry: registered before each test file's own hooks, so (hooks run as a
// stack) our afterEach runs after the file's, when the test no longer needs anything.
import { afterAll, afterEach, beforeEach } from 'vitest';
import { killGroupsOnSignals, usePortSlice } from '@redis-zk/devkit';
import { cleanupScope, enterTest } from './resources.js';

// Parallel workers draw ports from slices of their own, so two never hand out the same port.
if (process.env.VITEST_POOL_ID !== undefined) usePortSlice(Number(process.env.VITEST_POOL_ID));

// A worker stopped by a signal (Ctrl-C, a timeout) must not leave servers behind.
killGroupsOnSignals();

beforeEach(() => enterTest());
afterEach(() => cleanupScope('test'));
afterAll(() => cleanupScope('file'));
