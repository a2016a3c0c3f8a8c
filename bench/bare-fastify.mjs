// A bare fastify server (the watcher's own fastify, nothing registered but one route) for
// bench/http.mjs to compare against: `node bench/bare-fastify.mjs <port>` prints "ready".
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { root } from './lib.mjs';

const Fastify = createRequire(join(root, 'packages/watcher/package.json'))('fastify');
const app = Fastify({ logger: false });
app.get('/', (_req, reply) => reply.type('text/plain').send('ok'));
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) });
process.stdout.write('ready\n');
