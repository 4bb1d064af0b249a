import Router from '@koa/router';
import { failureResponses } from './openapi.js';
import type { Caller, RestState } from './route.js';

const CSP = "default-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const page = (body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Email preferences</title></head><body>${body}</body></html>`;

/**
 * The links in our emails that work without signing in: the signed token is the proof. A
 * person who opens one gets a page whose button POSTs, so a mail scanner's GET changes
 * nothing; mail clients' one-click unsubscribe (RFC 8058) POSTs directly. The procedure
 * checks the token; a forged one is a 400.
 */
const links = [
  {
    path: '/api/support/email/unsubscribe',
    question: 'Stop getting support replies by email?',
    button: 'Unsubscribe',
    done: 'Done: no more emails will be sent to this address.',
    act: (caller: Caller, token: string) => caller.email.unsubscribe({ token }),
    doc: {
      name: 'EmailUnsubscribe',
      token: 'From the email’s unsubscribe link: the address and its signature',
      get: 'The page an unsubscribe link opens',
      post: 'Unsubscribe the address the link was sent to',
      postDescription: 'What the page’s button and mail clients’ one-click unsubscribe (RFC 8058, body `List-Unsubscribe=One-Click`) send.',
    },
  },
  {
    path: '/api/support/email/confirm',
    question: 'Get support replies by email at this address?',
    button: 'Confirm my email',
    done: 'Confirmed: replies will reach you by email while you are away from the chat.',
    act: (caller: Caller, token: string) => caller.email.confirmGuestEmail({ token }),
    doc: {
      name: 'EmailConfirm',
      token: 'From the confirmation email’s link: a random token, good until the guest confirms or changes the address',
      get: 'The page a confirmation link opens',
      post: 'Confirm a guest’s address: agents’ replies may go there from now on',
      postDescription: 'What the page’s button sends. Only a confirmed guest address gets follow-up emails (a signed-in user’s comes from their token). A used link, one for an address the guest has since changed, or for an erased guest, is a 400.',
    },
  },
];

export function createEmailLinkRoutes(): Router<RestState> {
  const router = new Router<RestState>();
  for (const link of links) {
    router.get(link.path, (ctx) => {
      ctx.set('Content-Security-Policy', CSP);
      ctx.type = 'html';
      ctx.body = page(`<form method="post"><p>${link.question}</p><button type="submit">${link.button}</button></form>`);
    });
    router.post(link.path, async (ctx) => {
      await link.act(ctx.state.caller, typeof ctx.query.token === 'string' ? ctx.query.token : '');
      ctx.set('Content-Security-Policy', CSP);
      ctx.type = 'html';
      ctx.body = page(`<p>${link.done}</p>`);
    });
  }
  return router;
}

const htmlPage = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });

/** Each link's two methods, for the OpenAPI document. */
export const emailLinkPaths = Object.fromEntries(
  links.map(({ path, doc }) => {
    const parameters = [{ name: 'token', in: 'query', required: true, description: doc.token, schema: { type: 'string', maxLength: 1000 } }];
    return [
      path,
      {
        get: {
          tags: ['Conversations'],
          summary: doc.get,
          description: 'A page with one button that POSTs to the same URL; opening the link changes nothing.',
          operationId: `get${doc.name}`,
          security: [{}],
          parameters,
          responses: { '200': htmlPage('The page') },
        },
        post: {
          tags: ['Conversations'],
          summary: doc.post,
          description: `${doc.postDescription} No sign-in: the token is the proof. A forged or altered token is a 400.`,
          operationId: `post${doc.name}`,
          security: [{}],
          parameters,
          responses: { '200': htmlPage('Done'), ...failureResponses([400, 429]) },
        },
      },
    ];
  }),
);
