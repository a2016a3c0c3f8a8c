// vitest setupFiles entry: registered before each test file's own hooks, so (hooks run as a
// stack) our afterEach runs after the file's, when the test no longer needs anything.
import { afterAll, afterEach, beforeEach } from 'vitest';
import { cleanupScope, enterTest } from './resources.js';

beforeEach(() => enterTest());
afterEach(() => cleanupScope('test'));
afterAll(() => cleanupScope('file'));
