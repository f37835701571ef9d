// Fastify 5 with no static plugin: the baseline for the non-static route and the miss.
import Fastify from 'fastify';
import { args, PING_BODY } from './_common.js';
import { listenFastify } from './_fastify.js';

const { port } = args();
const app = Fastify({ logger: false });
app.get('/api/ping', (req, reply) => reply.type('text/plain; charset=utf-8').send(PING_BODY));
await listenFastify(app, port);
