// @fastify/static on Fastify 5 with its production settings: preCompressed (br, gz), ETag, 1-year immutable.
import Fastify from 'fastify';
import fastifyStatic from '@fastify/static';
import { args, PING_BODY } from './_common.js';
import { listenFastify } from './_fastify.js';

const { port, root, prefix } = args();
const app = Fastify({ logger: false });
await app.register(fastifyStatic, {
  root, prefix, preCompressed: true, etag: true, lastModified: true,
  maxAge: '1y', immutable: true, index: false, dotfiles: 'ignore',
});
app.get('/api/ping', (req, reply) => reply.type('text/plain; charset=utf-8').send(PING_BODY));
await listenFastify(app, port);
