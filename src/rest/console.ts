import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import { builtFile, notBuilt, pagePolicy } from './static-file.js';

/** `npm run build` writes these; src/rest and dist/rest both sit two levels below the root. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../dist/console/', import.meta.url));

const ASSETS = { 'console.js': 'application/javascript; charset=utf-8', 'console.css': 'text/css; charset=utf-8' } as const;

/**
 * GET /agent (the agents' console) and its two assets, under the demo page's policy with
 * `style-src 'self'`: the console has no inline script or style. Whether this is production
 * reaches the page as a data attribute, so the sign-in page can say how to mint a token.
 */
export function createConsoleRoutes(options: { production: boolean }, dir = CONSOLE_DIR): Router {
  const router = new Router();
  const environment = options.production ? 'production' : 'development';
  const page = builtFile(`${dir}index.html`, (body) =>
    Buffer.from(body.toString('utf8').replace('data-environment="development"', `data-environment="${environment}"`)),
  );
  const assets = Object.fromEntries(Object.keys(ASSETS).map((name) => [name, builtFile(`${dir}${name}`)]));

  router.get(['/agent', '/agent/'], async (ctx) => {
    const html = await page();
    ctx.set('Content-Security-Policy', pagePolicy("'self'"));
    ctx.set('X-Content-Type-Options', 'nosniff');
    // The token travels in the URL's fragment, which is never sent; no page of ours leaks a referrer either.
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cache-Control', 'no-cache');
    if (!html) {
      notBuilt(ctx, 'The console', 'npm run build:console');
      return;
    }
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = html.body;
  });

  router.get('/agent/:asset', async (ctx, next) => {
    const name = ctx.params.asset as keyof typeof ASSETS;
    const file = Object.hasOwn(ASSETS, name) ? await assets[name]!() : undefined;
    if (!file) return next();
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('ETag', file.etag);
    ctx.type = ASSETS[name];
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.body = file.body;
  });

  return router;
}
