// Fastify owns its server; print `ready <port>` and stop like the others.
export async function listenFastify(app, port) {
  await app.listen({ port, host: '127.0.0.1' });
  app.server.keepAliveTimeout = 65000;
  process.stdout.write(`ready ${app.server.address().port}\n`);
  const stop = () => {
    app.close();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}
