import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { z } from 'zod';
import { RateLimitedError } from './limits.js';

/** The spec's envelopes, shared by REST replies and socket acknowledgements. */
export type Success<T> = { success: true; data: T };
export type Failure = { success: false; message: string; errors?: FieldError[] };
export type Envelope<T> = Success<T> | Failure;
export interface FieldError {
  field: string;
  message: string;
}

export const ok = <T>(data: T): Success<T> => ({ success: true, data });

/** What a failure looks like on every transport: HTTP status, machine code, envelope. */
export interface ErrorReport {
  status: number;
  code: string;
  body: Failure;
  /** A real bug: logged with its stack, shown to the client only as a generic message. */
  unexpected: boolean;
  /** Set for rate-limited calls: REST sends it as Retry-After. */
  retryAfterSeconds?: number;
}

/** The one map from whatever was thrown to what a client sees. */
export function reportError(error: unknown): ErrorReport {
  const trpcError = error instanceof TRPCError ? error : undefined;
  const issues = validationIssues(trpcError?.cause) ?? validationIssues(error);
  if (issues) {
    const errors = issues.map((issue) => ({
      field: issue.path.map(String).join('.') || 'body',
      message: issue.message,
    }));
    return { status: 400, code: 'BAD_REQUEST', unexpected: false, body: { success: false, message: 'Validation failed', errors } };
  }
  if (error instanceof RateLimitedError) {
    return {
      status: 429,
      code: 'RATE_LIMITED',
      unexpected: false,
      retryAfterSeconds: error.retryAfterSeconds,
      body: { success: false, message: error.message },
    };
  }
  if (isUnstorableText(error)) {
    // Text the schemas let through but PostgreSQL cannot hold: the caller's input, not a bug.
    return { status: 400, code: 'BAD_REQUEST', unexpected: false, body: { success: false, message: 'Text cannot contain NUL (\\u0000) characters' } };
  }
  if (isDatabaseUnavailable(error)) {
    // Not a bug: the database is down, restarting or dropped us. The same call can succeed
    // once it is back (sends are idempotent with their clientMessageId).
    return {
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
      unexpected: false,
      retryAfterSeconds: 1,
      body: { success: false, message: 'Service temporarily unavailable, retry shortly' },
    };
  }
  if (trpcError && trpcError.code !== 'INTERNAL_SERVER_ERROR') {
    return {
      status: getHTTPStatusCodeFromError(trpcError),
      code: trpcError.code,
      unexpected: false,
      body: { success: false, message: trpcError.message },
    };
  }
  return { status: 500, code: 'INTERNAL_SERVER_ERROR', unexpected: true, body: { success: false, message: 'Internal server error' } };
}

export interface FailureKind {
  code: string;
  /** Absent for a failure only sockets see. */
  status?: number;
  description: string;
  message: string;
  /** Only REST (and tRPC) sees it: Koa answers it before any procedure runs, or only REST paths can cause it. */
  restOnly?: boolean;
  /** REST sends Retry-After with it. */
  retryAfter?: boolean;
}

/**
 * What the API documents say of each failure: the `code` of a socket's `message:error`, the
 * REST status, and one real `message`. Kept beside `reportError`, which produces them.
 */
export const failureKinds: FailureKind[] = [
  { code: 'BAD_REQUEST', status: 400, description: 'Invalid input; the envelope’s `errors` names each field by its path', message: 'Validation failed' },
  { code: 'UNAUTHORIZED', status: 401, description: 'Credentials missing where needed, or bad (a malformed, expired or wrongly signed token, an unknown guest id)', message: 'Authentication required' },
  { code: 'FORBIDDEN', status: 403, description: 'Signed in, but this needs an admin; or an attachment link that is not this server’s or has expired', message: 'Admin access required' },
  { code: 'NOT_FOUND', status: 404, description: 'No such conversation or message, or not one you can see', message: 'Conversation not found' },
  { code: 'CONFLICT', status: 409, description: 'The conversation is closed, or the change would give its customer two open conversations of one type', message: 'Conversation is closed' },
  { code: 'PAYLOAD_TOO_LARGE', status: 413, description: 'Body over 100 KB, or a file over ATTACHMENT_MAX_BYTES', message: 'Request body is too large', restOnly: true },
  { code: 'UNSUPPORTED_MEDIA_TYPE', status: 415, description: 'A file of a kind that is not allowed, or whose bytes are not what its name or type says', message: 'This type of file is not allowed', restOnly: true },
  { code: 'RATE_LIMITED', status: 429, description: 'Over a rate limit; retry later (REST says when in Retry-After)', message: 'Too many requests, try again later', retryAfter: true },
  { code: 'INTERNAL_SERVER_ERROR', status: 500, description: 'A bug on our side, logged with its stack; the message says no more', message: 'Internal server error' },
  { code: 'SERVICE_UNAVAILABLE', status: 503, description: 'The database is unreachable or this replica is restarting; retry (a send with the same clientMessageId is stored once)', message: 'Service temporarily unavailable, retry shortly', retryAfter: true },
  { code: 'TOKEN_EXPIRED', description: 'The connection’s token expired; the server disconnects it: reconnect with a fresh token', message: 'Token expired' },
];

/** SQLSTATE classes and codes of a connection that is gone or refused (not of a refused statement). */
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;
/** Socket errors of a database (or Redis) connection that could not be made or was cut. */
const UNAVAILABLE_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * What `pg` and `pg-pool` throw, without a code, when a connection is lost, cannot be had in
 * time, or stops answering (`query_timeout`).
 */
const UNAVAILABLE_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Cannot use a pool after calling end|Query read timeout)/;

/**
 * True when the error, or what it wraps (tRPC keeps the thrown error as `cause`), says the
 * database could not be reached rather than that it refused the statement.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (error === null || typeof error !== 'object' || depth > 4) return false;
  const { code, message, cause, errors } = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_NETWORK_CODES.has(code))) return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
  // Connecting to a name with several addresses fails with an AggregateError of each attempt.
  if (Array.isArray(errors) && errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return cause !== error && isDatabaseUnavailable(cause, depth + 1);
}

/**
 * PostgreSQL refuses U+0000 in text ("invalid byte sequence for encoding UTF8: 0x00",
 * SQLSTATE 22021) and in JSON ("unsupported Unicode escape sequence", 22P05). Only client
 * text can carry it, so it is answered as invalid input wherever it turns up.
 */
function isUnstorableText(error: unknown): boolean {
  for (let e = error, depth = 0; e !== null && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === '22021' || code === '22P05') return true;
  }
  return false;
}

/** A 400 that names the field, for rules a schema cannot express (they need the database). */
export function invalidInput(field: string, message: string): TRPCError {
  const issues = [{ code: 'custom', path: [field], message, input: undefined }];
  return Object.assign(new TRPCError({ code: 'BAD_REQUEST', message }), { issues });
}

/**
 * zod's issues, from a ZodError or from tRPC's wrapper around one (which keeps the fields
 * but not the class).
 */
function validationIssues(value: unknown): z.core.$ZodIssue[] | undefined {
  const issues = (value as { issues?: unknown } | undefined)?.issues;
  return Array.isArray(issues) ? (issues as z.core.$ZodIssue[]) : undefined;
}
