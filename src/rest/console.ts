import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import { fileAsset, sendAsset, setPagePolicy } from './static-file.js';

/** `npm run build` writes these; src/rest and dist/rest both sit two levels below the root. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../dist/console/', import.meta.url));

const ASSETS = { 'console.js': 'application/javascript; charset=utf-8', 'console.css': 'text/css; charset=utf-8' } as const;

/**
 * GET /agent (the agents' console) and its two assets, under the pages' policy with
 * `style-src 'self'`: the console has no inline script or style. Whether this is production
 * reaches the page as a data attribute, so the sign-in page can say how to mint a token.
 */
export function createConsoleRoutes(options: { production: boolean; uploadOrigin?: string }, dir = CONSOLE_DIR): Router {
  const router = new Router();
  const environment = options.production ? 'production' : 'development';
  const page = fileAsset(`${dir}index.html`);
  const assets = Object.fromEntries(Object.keys(ASSETS).map((name) => [name, fileAsset(`${dir}${name}`, true)]));

  router.get(['/agent', '/agent/'], async (ctx) => {
    const html = await page();
    setPagePolicy(ctx, "'self'", options.uploadOrigin ? [options.uploadOrigin] : []);
    // The page carries the environment, so it is never cached across a deploy that changes it.
    ctx.set('Cache-Control', 'no-cache');
    if (!html) {
      ctx.status = 503;
      ctx.type = 'text/plain';
      ctx.body = 'The console is not built: run `npm run build:console`.\n';
      return;
    }
    ctx.body = html.body.toString('utf8').replace('data-environment="development"', `data-environment="${environment}"`);
  });

  router.get('/agent/:asset', async (ctx, next) => {
    const name = ctx.params.asset as keyof typeof ASSETS;
    const file = Object.hasOwn(ASSETS, name) ? await assets[name]!() : undefined;
    if (!file) return next();
    sendAsset(ctx, file, ASSETS[name]);
  });

  return router;
}
