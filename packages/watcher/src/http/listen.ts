import type { FastifyInstance } from 'fastify';
import { listenFailure } from '@redis-zk/core';

/** Listens on every host (one app each); the first failure rejects with a LISTEN_FAILED error. */
export async function listenAll(apps: FastifyInstance[], hosts: string[], port: number, bindIp: string | undefined): Promise<void> {
  await Promise.all(
    apps.map(async (app, i) => {
      const host = hosts[i]!;
      try {
        await app.listen({ host, port });
      } catch (err) {
        throw listenFailure(err, host, port, bindIp);
      }
    }),
  );
}
