import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs. Credentials never belong in a log line; redaction is the safety net for the
 * day someone logs a whole object (tokens, guest ids, auth codes, handshake auth).
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
    level,
    base: { service: 'support-chat' },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-guest-id"]',
        'req.headers.cookie',
        'token',
        'guestId',
        'code',
        '*.token',
        '*.guestId',
        '*.code',
        'auth.*',
      ],
      censor: '[redacted]',
    },
    },
    destination,
  );
}
