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
