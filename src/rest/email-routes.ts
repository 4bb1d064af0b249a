import { GuestEmailInput, GuestEmailSchema } from '../router/email.schema.js';
import type { RestRoute } from './route.js';

/** A guest's address for replies while away: `email.setGuestEmail` over REST. */
export const emailRoutes: RestRoute[] = [
  {
    method: 'post',
    path: '/guest/email',
    tag: 'Conversations',
    summary: 'Get agents’ replies by email while away',
    description:
      'A guest gives an address (checked by its shape); agents see it on the conversation. An agent’s reply the guest has not read, while they have had no connection for EMAIL_FOLLOW_UP_DELAY, is then emailed, several in one email. Every email has a one-click unsubscribe link. Signed-in users get the email of their token’s claims instead (403 here).',
    access: 'signed-in',
    input: GuestEmailInput,
    output: GuestEmailSchema,
    call: (caller, input) => caller.email.setGuestEmail(input),
  },
];
