// nginx (Debian nginx-light) as the sendfile reference: our own instance, own prefix and
// config in a temp dir, loopback only, one process (master_process off: one pid to stop). Not a Node server: run.js starts it with
// nginxCommand() and probes it until it answers.
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export const NGINX_BIN = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

export function nginxCommand({ dir, port, root }) {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  for (const t of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, 'tmp', t), { recursive: true });
  const conf = `
worker_processes 1;
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 4096; }
http {
  types {
    text/css css; text/javascript js; application/json json; image/svg+xml svg;
    image/png png; font/woff2 woff2; video/mp4 mp4; text/html html;
  }
  default_type application/octet-stream;
  charset utf-8;
  charset_types text/css text/javascript application/json image/svg+xml;
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 10000000;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  server {
    listen 127.0.0.1:${port};
    server_tokens off;
    location /static/ {
      alias ${root}/;
      gzip_static on;
      gzip_vary on;
      etag on;
      add_header Cache-Control "public, max-age=31536000, immutable";
      add_header Access-Control-Allow-Origin "*";
    }
    location = /api/ping { default_type "text/plain; charset=utf-8"; return 200 "ok"; }
  }
}
`;
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, conf);
  return [NGINX_BIN, '-p', dir, '-c', file];
}
