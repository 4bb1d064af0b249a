import Router from '@koa/router';
import { failureResponses } from './openapi.js';
import type { RestState } from './route.js';

const PATH = '/api/support/email/unsubscribe';
const CSP = "default-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const page = (body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Email preferences</title></head><body>${body}</body></html>`;

/**
 * The follow-up email's unsubscribe link. Mail clients' one-click (RFC 8058) POSTs to it; a
 * person who opens it gets a page whose button POSTs, so a link scanner's GET changes nothing.
 * The token is checked by `email.unsubscribe`; a forged one is a 400.
 */
export function createUnsubscribeRoutes(): Router<RestState> {
  const router = new Router<RestState>();
  router.get(PATH, (ctx) => {
    ctx.set('Content-Security-Policy', CSP);
    ctx.type = 'html';
    ctx.body = page('<form method="post"><p>Stop getting support replies by email?</p><button type="submit">Unsubscribe</button></form>');
  });
  router.post(PATH, async (ctx) => {
    await ctx.state.caller.email.unsubscribe({ token: typeof ctx.query.token === 'string' ? ctx.query.token : '' });
    ctx.set('Content-Security-Policy', CSP);
    ctx.type = 'html';
    ctx.body = page('<p>Done: no more emails will be sent to this address.</p>');
  });
  return router;
}

const tokenParameter = {
  name: 'token',
  in: 'query',
  required: true,
  description: 'From the email’s unsubscribe link: the address and its signature',
  schema: { type: 'string', maxLength: 1000 },
};
const htmlPage = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });

/** The unsubscribe link's two methods, for the OpenAPI document. */
export const unsubscribePaths = {
  [PATH]: {
    get: {
      tags: ['Conversations'],
      summary: 'The page an unsubscribe link opens',
      description: 'A page with one button that POSTs to the same URL; opening the link changes nothing.',
      operationId: 'getEmailUnsubscribe',
      security: [{}],
      parameters: [tokenParameter],
      responses: { '200': htmlPage('The page') },
    },
    post: {
      tags: ['Conversations'],
      summary: 'Unsubscribe the address the link was sent to',
      description: 'What the page’s button and mail clients’ one-click unsubscribe (RFC 8058, body `List-Unsubscribe=One-Click`) send. No sign-in: the signed token is the proof. A forged or altered token is a 400.',
      operationId: 'postEmailUnsubscribe',
      security: [{}],
      parameters: [tokenParameter],
      responses: { '200': htmlPage('Unsubscribed'), ...failureResponses([400, 429]) },
    },
  },
};
