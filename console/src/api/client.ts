import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, type TRPCClient } from '@trpc/client';
import { EventSource } from 'eventsource';
import type { AppRouter } from '../../../src/router/index.js';

export type ApiClient = TRPCClient<AppRouter>;

const url = `${location.origin}/trpc`;

/**
 * Queries and mutations over HTTP, subscriptions over SSE. The browser's own EventSource cannot
 * send an Authorization header, so the `eventsource` package's fetch-based one carries the token.
 */
export function createApiClient(token: string): ApiClient {
  const authorization = `Bearer ${token}`;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url,
          EventSource,
          eventSourceOptions: { fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, authorization } }) },
        }),
        false: httpBatchLink({ url, headers: { authorization } }),
      }),
    ],
  });
}

/** The HTTP status the server gave a failed call (tRPC carries it in the error's data). */
export function statusOf(error: unknown): number | undefined {
  const data = (error as { data?: { httpStatus?: unknown } } | null)?.data;
  return typeof data?.httpStatus === 'number' ? data.httpStatus : undefined;
}
