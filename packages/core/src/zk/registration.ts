import type { Zk } from './client.js';

/**
 * An ephemeral `<dir>/<uuid>` holding `data`, re-created after a session expiry (and after a
 * reconnect if it is missing), removed by `stop()`.
 */
export class Registration {
  readonly path: string;
  constructor(_zk: Zk, dir: string, _data: string, uuid?: string) {
    this.path = `${dir}/${uuid ?? 'uuid'}`;
    throw new Error('not implemented');
  }
  async start(): Promise<void> {
    throw new Error('not implemented');
  }
  async stop(): Promise<void> {
    throw new Error('not implemented');
  }
}
