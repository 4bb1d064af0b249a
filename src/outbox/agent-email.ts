import escapeHtml from 'escape-html';
import type { AgentDigestItem } from '../db/agent-emails.js';
import { personName } from '../router/notes.schema.js';

/** Conversations spelled out in one email; the rest are counted. */
const LISTED = 10;
const MAX_MESSAGE_CHARACTERS = 500;

export interface AgentEmailLinks {
  /** The console, opened on a conversation by `#conversation=<id>`. */
  console: string;
  unsubscribe: string;
}

/** What the console calls a customer: their name, or "Guest" and a few characters of the id. */
function customerName(item: AgentDigestItem): string {
  if (item.guest_id) return `Guest ${(item.guest_id.split('_')[2] ?? item.guest_id).slice(0, 6)}`;
  return personName({ first_name: item.customer_first_name, last_name: item.customer_last_name, email: item.customer_email }) ?? 'A customer';
}

const clip = (text: string) => (text.length > MAX_MESSAGE_CHARACTERS ? `${text.slice(0, MAX_MESSAGE_CHARACTERS)}…` : text);
const messageText = (m: AgentDigestItem['messages'][number]) => (m.messageType === 'file' ? clip(m.message) || '(a file)' : clip(m.message));

/**
 * One email for an agent who is away: the customers who wrote in their conversations, with
 * their newest words and a link into the console. Customers' text reaches the HTML part
 * escaped, as text content only.
 */
export function composeAgentDigest(items: AgentDigestItem[], links: AgentEmailLinks): { subject: string; text: string; html: string } {
  const listed = items.slice(0, LISTED).map((item) => {
    const link = new URL(links.console);
    link.hash = `conversation=${item.conversation_id}`;
    return { name: customerName(item), messages: item.messages.map(messageText), link: link.toString() };
  });
  const more = items.length - listed.length;
  // A name is the customer's to choose: no line breaks into the header, and not too long.
  const subject = items.length === 1 ? `New message from ${listed[0]!.name.replace(/\s+/g, ' ').slice(0, 80)}` : `New messages in ${items.length} conversations`;
  const why = 'You get this email because customers wrote in conversations assigned to you while you were away from the console.';
  const off = 'Turn these emails off in the console (“Email when away”), or';
  const text = [
    ...listed.flatMap((c) => [`${c.name}:`, ...c.messages.map((m) => `> ${m.replace(/\n/g, '\n> ')}`), `Answer: ${c.link}`, '']),
    ...(more > 0 ? [`And ${more} more conversation${more === 1 ? '' : 's'}: ${links.console}`, ''] : []),
    why,
    `${off} stop all emails to this address: ${links.unsubscribe}`,
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">',
    ...listed.map(
      (c) =>
        `<p><strong>${escapeHtml(c.name)}</strong></p>` +
        c.messages.map((m) => `<blockquote style="margin:0 0 8px 0;padding-left:8px;border-left:3px solid #ccc;white-space:pre-wrap">${escapeHtml(m)}</blockquote>`).join('') +
        `<p><a href="${escapeHtml(c.link)}">Answer</a></p>`,
    ),
    ...(more > 0 ? [`<p><a href="${escapeHtml(links.console)}">And ${more} more conversation${more === 1 ? '' : 's'}</a></p>`] : []),
    `<p style="font-size:small;color:#555">${escapeHtml(why)} ${escapeHtml(off)} <a href="${escapeHtml(links.unsubscribe)}">stop all emails to this address</a>.</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}
