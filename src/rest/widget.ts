import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import { fileAsset, sendAsset, setPagePolicy } from './static-file.js';

/**
 * The built widget: `npm run build:widget` writes it. Both src/rest (tsx, tests) and
 * dist/rest (compiled) sit two levels below the project root, so one relative path serves both.
 */
export const WIDGET_FILE = fileURLToPath(new URL('../../dist/widget/widget.js', import.meta.url));

/**
 * GET /widget.js (the embeddable script) and GET / (a demo page with the widget on it).
 * The script is re-read only when the file changes, and revalidates by ETag.
 */
export function createWidgetRoutes(options: { uploadOrigin?: string } = {}, file = WIDGET_FILE): Router {
  const router = new Router();
  const load = fileAsset(file);

  router.get('/widget.js', async (ctx) => {
    const widget = await load();
    if (!widget) {
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.status = 503;
      ctx.type = 'text/plain';
      ctx.body = 'The widget is not built: run `npm run build:widget`.\n';
      return;
    }
    // Customer sites load it cross-origin, including ones that isolate themselves (COEP).
    ctx.set('Cross-Origin-Resource-Policy', 'cross-origin');
    sendAsset(ctx, widget, 'application/javascript; charset=utf-8');
  });

  router.get('/', (ctx) => {
    const nonce = randomBytes(16).toString('base64');
    setPagePolicy(ctx, `'nonce-${nonce}'`, options.uploadOrigin ? [options.uploadOrigin] : []);
    ctx.body = demoPage(`${ctx.protocol}://${ctx.host}`, nonce);
  });

  return router;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Static markup; the only variable part (the origin from the Host header) is escaped. */
function demoPage(origin: string, nonce: string): string {
  const o = escapeHtml(origin);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Support chat: widget demo</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">
  body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2937; background: #f8fafc; }
  main { max-width: 720px; margin: 0 auto; padding: 40px 24px 120px; }
  h1 { font-size: 28px; margin: 0 0 8px; color: #111827; }
  h2 { font-size: 18px; margin: 32px 0 8px; color: #111827; }
  pre { background: #111827; color: #f9fafb; padding: 14px 16px; border-radius: 8px; overflow-x: auto; font-size: 13px; line-height: 1.5; }
  code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
  p code { background: #e5e7eb; padding: 1px 5px; border-radius: 4px; font-size: 14px; }
</style>
</head>
<body>
<main>
  <h1>Support chat</h1>
  <p>This page shows the embeddable support widget: the round button in the bottom-right corner.
  Open it and write a message; an agent answers through the same API (REST, Socket.IO or tRPC).</p>

  <h2>Embed it</h2>
  <p>Paste one tag before <code>&lt;/body&gt;</code>. Guests need nothing else; their id stays in
  <code>localStorage</code>, so a reload continues the same conversation.</p>
  <pre><code>&lt;script src="${o}/widget.js" async&gt;&lt;/script&gt;</code></pre>

  <h2>Signed-in users</h2>
  <p>Boot it with the user's token instead (add <code>data-auto-boot="false"</code> to the tag):</p>
  <pre><code>SupportWidget.boot({ token: userJwt, apiUrl: "${o}" });</code></pre>

  <h2>The API</h2>
  <p>Everything the widget does, an app can do too: read the <a href="/api/support/docs">API documentation</a>
  (REST, from <a href="/api/support/openapi.json">the OpenAPI document</a>) and the socket events in
  <a href="/api/support/asyncapi.json">the AsyncAPI document</a>.</p>
</main>
<script src="/widget.js" async></script>
</body>
</html>
`;
}
