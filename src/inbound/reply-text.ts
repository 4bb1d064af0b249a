import EmailReplyParser from 'email-reply-parser';
import type { ParsedMail } from 'mailparser';
import { MAX_MESSAGE_LENGTH } from '../router/messages.schema.js';

/**
 * What the parser reads of a body. Its patterns take time quadratic in the text (a blank-line
 * run of 8 KB took over a second before the folding below; the worst found after it, 65 ms),
 * and the new text sits above the quote: past this, nothing that could be posted remains.
 */
const PARSED_CHARACTERS = 8_192;

/**
 * The text the customer wrote: the plain part (mailparser makes one from an HTML-only email,
 * quotes as `>` lines), without the quoted history and the signature, clipped to what a
 * message may hold. Empty when nothing is left; the send refuses that.
 */
export function replyText(mail: Pick<ParsedMail, 'text'>): string {
  // Trailing spaces cut and blank-line runs folded, line by line (no backtracking pattern).
  const lines = (mail.text ?? '').slice(0, PARSED_CHARACTERS * 4).split(/\r?\n/).map((line) => line.trimEnd());
  const body = lines.filter((line, i) => line !== '' || lines[i - 1] !== '').join('\n').slice(0, PARSED_CHARACTERS);
  return clip(new EmailReplyParser().parseReply(body).trim(), MAX_MESSAGE_LENGTH);
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never half of a surrogate pair: it cannot be stored as UTF-8.
  const cut = text.slice(0, max - 1).replace(/[\uD800-\uDBFF]$/, '');
  return `${cut.trimEnd()}…`;
}
