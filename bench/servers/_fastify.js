// Fastify owns its server; print `ready <port>` and stop like the others.
import { stopOnSignal } from './_common.js';

export async function listenFastify(app, port) {
  await app.listen({ port, host: '127.0.0.1' });
  app.server.keepAliveTimeout = 65000;
  process.stdout.write(`ready ${app.server.address().port}\n`);
  stopOnSignal(() => app.close());
}
