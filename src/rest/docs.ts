import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Router from '@koa/router';
import { asset, fileAsset, sendAsset, setPagePolicy, type Asset } from './static-file.js';

/** Swagger UI's prebuilt bundle and stylesheet, from the pinned package: no CDN. */
const SWAGGER_UI = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/**
 * Boots Swagger UI on our document. An external script, as the page's policy allows no inline
 * one. No validator badge: Swagger UI would fetch it from a third-party host.
 */
const BOOT = `SwaggerUIBundle({
  url: '/api/support/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  defaultModelsExpandDepth: 0,
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Support chat API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/api/support/docs/swagger-ui.css">
<script src="/api/support/docs/swagger-ui-bundle.js" defer></script>
<script src="/api/support/docs/docs.js" defer></script>
</head>
<body>
<div id="swagger-ui"></div>
<noscript><p>The documents themselves: <a href="/api/support/openapi.json">OpenAPI</a> (REST) and
<a href="/api/support/asyncapi.json">AsyncAPI</a> (Socket.IO).</p></noscript>
</body>
</html>
`;

/**
 * The API documents as JSON, and GET /api/support/docs: the OpenAPI one rendered by Swagger UI.
 * The page runs under the demo page's policy with styles from this origin only: Swagger UI
 * ships its CSS as a file and injects none, so it needs no 'unsafe-inline' of any kind.
 */
export function createDocsRoutes(documents: { openapi: unknown; asyncapi: unknown }): Router {
  const router = new Router({ prefix: '/api/support' });
  router.get('/openapi.json', (ctx) => {
    ctx.body = documents.openapi;
  });
  router.get('/asyncapi.json', (ctx) => {
    ctx.body = documents.asyncapi;
  });
  router.get('/docs', (ctx) => {
    setPagePolicy(ctx, "'self'");
    ctx.body = PAGE;
  });

  const assets: Record<string, { type: string; load: () => Promise<Asset | undefined> }> = {
    'swagger-ui-bundle.js': { type: 'application/javascript; charset=utf-8', load: fileAsset(join(SWAGGER_UI, 'swagger-ui-bundle.js'), true) },
    'swagger-ui.css': { type: 'text/css; charset=utf-8', load: fileAsset(join(SWAGGER_UI, 'swagger-ui.css'), true) },
    'docs.js': { type: 'application/javascript; charset=utf-8', load: once(() => asset(Buffer.from(BOOT))) },
  };
  for (const [name, { type, load }] of Object.entries(assets)) {
    router.get(`/docs/${name}`, async (ctx, next) => {
      const file = await load();
      if (!file) return next();
      sendAsset(ctx, file, type);
    });
  }
  return router;
}

const once = <T>(make: () => Promise<T>) => {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
};
