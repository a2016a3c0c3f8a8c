export * from './ports.js';
export * from './processes.js';
export * from './zookeeper.js';
export * from './netns.js';
export * from './servers.js';
