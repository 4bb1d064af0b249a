import { z } from 'zod';

export const GuestEmailInput = z.object({
  email: z
    .email('email is not an email address')
    .max(254, 'email is longer than 254 characters')
    .meta({ description: 'Where agents’ replies go while the guest is away', examples: ['ann@example.com'] }),
});
export const GuestEmailSchema = z.object({ email: z.string().meta({ description: 'The address saved', examples: ['ann@example.com'] }) }).describe('The guest’s email');

export const UnsubscribeInput = z.object({
  token: z.string().min(1, 'token is missing').max(1000, 'token is too long').meta({ description: 'From the email’s unsubscribe link', examples: ['YW5uQGV4YW1wbGUuY29t.3q2-7w'] }),
});
export const ConfirmEmailInput = z.object({
  token: z.string().min(1, 'token is missing').max(1000, 'token is too long').meta({ description: 'From the confirmation email’s link', examples: ['q3J9c0x7Vb2mKp1nZ8wYtR4uE6sH0aLd'] }),
});
export const EmailConfirmedSchema = z.object({ confirmed: z.literal(true).describe('Always true: agents’ replies may go to this address') }).describe('Confirmed');
export const UnsubscribedSchema = z.object({ unsubscribed: z.literal(true).describe('Always true: no more emails to this address') }).describe('Unsubscribed');

export const AgentEmailPreferencesInput = z
  .object({ emailWhenAway: z.boolean().meta({ description: 'Email me about customers’ new messages in my conversations while I am away', examples: [false] }) })
  .describe('The agent’s email preference');
export const AgentEmailPreferencesSchema = z
  .object({
    emailWhenAway: z.boolean().meta({ description: 'Whether the agent is emailed about customers’ new messages in conversations assigned to them, after EMAIL_FOLLOW_UP_DELAY without a console open (at most one email per delay)', examples: [true] }),
    address: z.string().nullable().meta({ description: 'Where those emails go: the email of the agent’s token (null: none, so no email)', examples: ['ann@example.com'] }),
    emailEnabled: z.boolean().meta({ description: 'Whether this server sends email at all (SMTP_URL is set)', examples: [true] }),
  })
  .describe('The agent’s email preference');
