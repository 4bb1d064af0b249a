import { AgentEmailPreferencesInput, AgentEmailPreferencesSchema, GuestEmailInput, GuestEmailSchema } from '../router/email.schema.js';
import type { RestRoute } from './route.js';

/** A guest's address for replies while away, and an agent's emails while away: `email.*` over REST. */
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
  {
    method: 'get',
    path: '/admin/email-preferences',
    tag: 'Agents',
    summary: 'Whether I am emailed about customers while away',
    description:
      'An agent is emailed about customers’ new messages in conversations assigned to them when their console has sent no heartbeat for EMAIL_FOLLOW_UP_DELAY: one email lists every such conversation, at most one email per delay. On unless the agent turned it off.',
    access: 'admin',
    output: AgentEmailPreferencesSchema,
    call: (caller) => caller.email.agentPreferences(),
  },
  {
    method: 'patch',
    path: '/admin/email-preferences',
    tag: 'Agents',
    summary: 'Turn my emails while away on or off',
    access: 'admin',
    input: AgentEmailPreferencesInput,
    output: AgentEmailPreferencesSchema,
    call: (caller, input) => caller.email.setAgentPreferences(input),
  },
];
