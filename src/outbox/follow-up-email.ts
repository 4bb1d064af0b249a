import escapeHtml from 'escape-html';
import type { FollowUpState } from '../db/email-follow-ups.js';

export interface FollowUpLinks {
  /** The customer's app, opening the widget on the conversation. */
  conversation: string;
  /** The one-click unsubscribe link (RFC 8058). */
  unsubscribe: string;
}

const MAX_REPLY_CHARACTERS = 2_000;
const clip = (text: string) => (text.length > MAX_REPLY_CHARACTERS ? `${text.slice(0, MAX_REPLY_CHARACTERS)}…` : text);
const replyText = (r: FollowUpState['replies'][number]) => (r.message_type === 'file' ? clip(r.message) || '(a file)' : clip(r.message));

/**
 * One email for every unread reply since the last one. Every string an agent or customer
 * wrote reaches the HTML part escaped (and only as text content), so a reply is never markup.
 */
export function composeFollowUp(
  state: Pick<FollowUpState, 'replies'>,
  links: FollowUpLinks,
  options: { replyable?: boolean } = {},
): { subject: string; text: string; html: string } {
  const count = state.replies.length;
  const replyHint = options.replyable ? ['You can answer by replying to this email.'] : [];
  const subject = count === 1 ? 'You have a new reply from support' : `You have ${count} new replies from support`;
  const text = [
    count === 1 ? 'Support replied to your message:' : `Support replied ${count} times to your message:`,
    '',
    ...state.replies.flatMap((r) => [`${r.author ?? 'Support'}:`, replyText(r), '']),
    ...replyHint,
    `Continue the conversation: ${links.conversation}`,
    '',
    `Stop these emails: ${links.unsubscribe}`,
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">',
    `<p>${escapeHtml(count === 1 ? 'Support replied to your message:' : `Support replied ${count} times to your message:`)}</p>`,
    ...state.replies.map(
      (r) => `<p><strong>${escapeHtml(r.author ?? 'Support')}</strong><br><span style="white-space:pre-wrap">${escapeHtml(replyText(r))}</span></p>`,
    ),
    ...replyHint.map((hint) => `<p>${hint}</p>`),
    `<p><a href="${escapeHtml(links.conversation)}">Continue the conversation</a></p>`,
    `<p style="font-size:small;color:#555"><a href="${escapeHtml(links.unsubscribe)}">Stop these emails</a></p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}
