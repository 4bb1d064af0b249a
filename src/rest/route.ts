import type { z } from 'zod';
import type { createCaller } from '../router/index.js';

export type Caller = ReturnType<typeof createCaller>;
export interface RestState {
  caller: Caller;
  /** What the route answered; the envelope middleware wraps it as `{success: true, data}`. */
  result?: unknown;
  status?: number;
  /** The envelope's optional `message`, where the spec shows one. */
  message?: string;
  /** A complete body that is not a success envelope (the spec's failed code check). */
  body?: unknown;
}

export type Access = 'anyone' | 'signed-in' | 'owner or admin' | 'admin';
export type Tag = 'Conversations' | 'Messages' | 'Attachments' | 'Onboarding' | 'Inbox' | 'Agents' | 'Webhooks' | 'Privacy' | 'Calls';

/**
 * One REST path: which procedure it calls and how, and what the OpenAPI document says of it.
 * HTTP input is untyped (`as never` hands it over unchecked): the procedure's own schema is
 * what validates it, once for every transport.
 */
export interface RestRoute {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  tag: Tag;
  summary: string;
  /** What a caller needs to know beyond the summary; who may call is added from `access`. */
  description?: string;
  access: Access;
  /** The procedure's input schema; path parameters fill the fields named in `params`. */
  input?: z.ZodType;
  params?: Record<string, string>;
  /** The `data` of the success envelope. */
  output: z.ZodType;
  status?: number;
  message?: string;
  call(caller: Caller, input: never, state: RestState): Promise<unknown>;
}

/** Methods whose requests carry a JSON body. */
export const takesBody = (method: RestRoute['method']) => method === 'post' || method === 'patch';
