import { expect } from 'vitest';
import { call, guestWithConversation } from '../rest/helpers.js';
import { request, type TestServer } from '../support/server.js';
import { waitFor } from '../webhooks/receiver.js';
import type { startSmtpServer } from './smtp.js';

type Smtp = Awaited<ReturnType<typeof startSmtpServer>>;

/** A test server's settings for mailing through `smtp`, with a follow-up delay of 1 s. */
export const emailEnv = (smtp: Smtp, extra: Record<string, string> = {}) => ({
  SMTP_URL: smtp.url,
  EMAIL_FROM: 'Support <support@example.com>',
  EMAIL_FOLLOW_UP_DELAY: '1',
  PUBLIC_URL: 'https://chat.example.com',
  ...extra,
});

/**
 * A guest who asked, gave an address and left (their socket closed), unless told to stay.
 * `confirm()` waits for the confirmation email (sent once an agent's reply waits for them)
 * and confirms from its link, as they would.
 */
export async function guestWho(server: TestServer, smtp: Smtp, address: string, options: { stay?: boolean } = {}) {
  const guest = await guestWithConversation(server);
  const { socket } = await server.connect({ guestId: guest.guestId });
  await call(socket, 'message:send', { conversationId: guest.conversationId, message: 'Where is my order?' });
  const saved = await request(server, '/api/support/guest/email', { guestId: guest.guestId, body: { email: address } });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  if (!options.stay) socket.disconnect();
  return { ...guest, socket, confirm: () => confirmFromEmail(server, smtp, address) };
}

/** The confirmation link sent to `address`, on the test server (the email names PUBLIC_URL). */
export async function confirmationLink(server: TestServer, smtp: Smtp, address: string): Promise<string> {
  await waitFor(() => smtp.to(address).some(isConfirmation), `the confirmation email to ${address}`);
  const email = smtp.to(address).find(isConfirmation)!;
  const link = new URL(email.text!.match(/Confirm it: (\S+)/)![1]!);
  return `${server.url}${link.pathname}${link.search}`;
}

/**
 * Presses the confirmation page's button, as the guest would, then takes that email out of
 * the received ones, so a test counts only what it is about.
 */
export async function confirmFromEmail(server: TestServer, smtp: Smtp, address: string): Promise<void> {
  const confirmed = await fetch(await confirmationLink(server, smtp, address), { method: 'POST' });
  expect(confirmed.status).toBe(200);
  smtp.received.splice(smtp.received.findIndex((m) => isConfirmation(m) && smtp.to(address).includes(m)), 1);
}

export const isConfirmation = (email: { subject?: string }) => email.subject === 'Confirm your email for support replies';

/** An agent's replies, sent over a socket that closes afterwards. */
export async function reply(server: TestServer, agentToken: string, conversationId: string, texts: string[]) {
  const { socket } = await server.connect({ token: agentToken });
  for (const message of texts) expect(await call(socket, 'message:send', { conversationId, message })).toMatchObject({ success: true });
  socket.disconnect();
}
