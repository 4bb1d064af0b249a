import nodemailer from 'nodemailer';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  replyTo?: string;
  headers?: Record<string, string>;
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<void>;
  close(): void;
}

/**
 * SMTP through nodemailer, from `SMTP_URL` (smtp:// or smtps://, credentials in the URL). A
 * mail server that stops answering fails the send in bounded time (nodemailer's defaults wait
 * minutes), and the job is retried.
 */
export function createMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 }, { from });
  return {
    async send(email) {
      await transport.sendMail({ ...email, from });
    },
    close: () => transport.close(),
  };
}
