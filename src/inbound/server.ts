import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { ReplyAddresses } from '../auth/reply-addresses.js';
import type { Logger } from '../ops/logger.js';
import { createEmailReplyContext, type Services } from '../router/context.js';
import { reportError } from '../router/errors.js';
import { createCaller } from '../router/index.js';
import { replyText } from './reply-text.js';

export interface InboundSettings {
  /** 0 takes any free port (tests). */
  port: number;
  host: string;
  /** The Reply-To addresses' domain, whose MX (or a provider's forwarding) points here. */
  domain: string;
}

export interface InboundSmtp {
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops taking connections; a message under way has a few seconds to finish. */
  close(): Promise<void>;
}

/** Replies are short; a photo pasted in one would be dropped anyway (attachments are not taken). */
const MAX_BYTES = 1024 * 1024;

type SmtpError = Error & { responseCode: number };
const smtpError = (responseCode: number, message: string): SmtpError => Object.assign(new Error(message), { responseCode });

/**
 * The inbound email transport: customers' replies to the follow-up email, received over SMTP
 * and posted through the same `messages.send` as every other transport, as the
 * conversation's owner. It only translates: the reply address names the conversation,
 * createEmailReplyContext decides who speaks, the procedure decides the rest, and its
 * refusals become SMTP replies here. Only `reply+<token>@<domain>` is accepted, so it relays
 * nothing. No AUTH (senders are other mail servers) and no STARTTLS (see the README).
 */
export function createInboundSmtp(services: Services, replyAddresses: ReplyAddresses, log: Logger): InboundSmtp {
  const server = new SMTPServer({
    size: MAX_BYTES,
    rejectOversized: true,
    // One conversation per message: a second reply address is told to come in its own (452).
    maxRecipients: 1,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    maxClients: 200,
    closeTimeout: 5_000,
    logger: false,
    onRcptTo(address, _session, callback) {
      callback(replyAddresses.read(address.address) ? undefined : smtpError(550, 'No such recipient'));
    },
    onData(stream, session, callback) {
      receive(stream, session).then(
        () => callback(),
        (error: Error) => callback(error),
      );
    },
  });
  server.on('error', (error) => log.warn({ err: error }, 'inbound smtp connection error'));

  async function receive(stream: Readable & { sizeExceeded?: boolean }, session: SMTPServerSession): Promise<void> {
    const raw = await readUpTo(stream, MAX_BYTES);
    if (stream.sizeExceeded) return; // rejectOversized answers 552
    const conversationId = replyAddresses.read(session.envelope.rcptTo[0]?.address ?? '');
    if (!conversationId) throw smtpError(550, 'No such recipient');
    const mail = await simpleParser(raw);
    if (isAutomatic(mail, session)) throw smtpError(550, 'Automatic replies are not posted');
    try {
      const from = mail.from?.value.length === 1 ? mail.from.value[0]?.address : undefined;
      const caller = createCaller(await createEmailReplyContext(services, conversationId, from));
      const message = await caller.messages.send({ conversationId, message: replyText(mail), clientMessageId: clientMessageIdOf(mail) });
      log.info({ conversationId, messageId: message.id }, 'email reply posted');
    } catch (error) {
      const reply = smtpReplyFor(error);
      if (reportError(error).unexpected) log.error({ err: error, conversationId }, 'email reply failed');
      else log.info({ conversationId, code: reply.responseCode }, 'email reply refused');
      throw reply;
    }
  }

  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.server.once('error', reject);
        server.listen(port, host, () => {
          server.server.off('error', reject);
          resolve(server.server.address() as AddressInfo);
        });
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * The one map from a refusal to an SMTP reply. What may pass if tried again (a rate limit,
 * the database away, a bug) is 451, so the sender's server retries for days; a refusal of
 * this email as it is (not the owner, a closed conversation, nothing left to post) is 550,
 * and the customer gets a bounce saying why.
 */
export function smtpReplyFor(error: unknown): SmtpError {
  const report = reportError(error);
  if (report.status === 429 || report.status >= 500) {
    return smtpError(451, report.unexpected ? 'Temporary failure, try again later' : report.body.message);
  }
  return smtpError(550, report.body.errors?.[0]?.message ?? report.body.message);
}

/** Out-of-office answers, mailing-list copies and bounces are not the customer speaking (RFC 3834). */
function isAutomatic(mail: ParsedMail, session: SMTPServerSession): boolean {
  const header = (name: string) => {
    const value = mail.headers.get(name);
    return String(typeof value === 'object' && value !== null && 'value' in value ? value.value : (value ?? '')).toLowerCase();
  };
  const autoSubmitted = header('auto-submitted');
  return (
    !session.envelope.mailFrom ||
    !session.envelope.mailFrom.address ||
    (autoSubmitted !== '' && autoSubmitted !== 'no') ||
    ['bulk', 'junk', 'list', 'auto_reply'].includes(header('precedence')) ||
    mail.headers.has('x-autoreply') ||
    mail.headers.has('x-autorespond')
  );
}

/**
 * A redelivered email (its sender did not hear our answer) has the same Message-ID: as the
 * send's idempotency key it is stored once. The key must be a UUID: the id's hash laid out as
 * one (version 8, RFC 9562's custom layout). Without a Message-ID, the sender and text stand in.
 */
function clientMessageIdOf(mail: ParsedMail): string {
  const name = mail.messageId ?? `${mail.from?.text}\n${mail.date?.toISOString()}\n${mail.text}`;
  const bytes = createHash('sha256').update(`email-reply\n${name}`).digest().subarray(0, 16);
  bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x80, 6);
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8);
  return bytes.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
}

/** The message's bytes, kept up to `max`; the rest is read and dropped, as SMTP must. */
async function readUpTo(stream: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let seen = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    seen += chunk.length;
    if (seen <= max) chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
