// The admin interface's /certs page (Envoy's shape), registered for every proxy in the process.

import { registerAdminRoute, sendJson } from './admin-server';

registerAdminRoute('/certs', {
  help: 'print certs on machine',
  handler: (_q, res, ctx) => sendJson(res, ctx.proxy.tls?.certs() ?? { certificates: [] }),
});
