// vitest setupFiles entry: registered before each test file's own hooks, so (hooks run as a
// stack) our afterEach runs after the file's, when the test no longer needs anything.
import { afterAll, afterEach, beforeEach } from 'vitest';
import { killGroupsOnSignals } from '@redis-zk/testkit';
import { cleanupScope, enterTest } from './resources.js';

// A worker stopped by a signal (Ctrl-C, a timeout) must not leave servers behind.
killGroupsOnSignals();

beforeEach(() => enterTest());
afterEach(() => cleanupScope('test'));
afterAll(() => cleanupScope('file'));
