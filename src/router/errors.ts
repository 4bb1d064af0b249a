import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { ZodError } from 'zod';

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
}

/** The one map from whatever was thrown to what a client sees. */
export function reportError(error: unknown): ErrorReport {
  const trpcError = error instanceof TRPCError ? error : undefined;
  const zodError = trpcError?.cause instanceof ZodError ? trpcError.cause : error instanceof ZodError ? error : undefined;
  if (zodError) {
    const errors = zodError.issues.map((issue) => ({
      field: issue.path.map(String).join('.') || 'body',
      message: issue.message,
    }));
    return { status: 400, code: 'BAD_REQUEST', unexpected: false, body: { success: false, message: 'Validation failed', errors } };
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
