import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import type { AppRouter } from '../../src/router/index.js';

type Credentials = { token: string } | { guestId: string };

const headersFor = (credentials: Credentials): Record<string, string> =>
  'token' in credentials ? { authorization: `Bearer ${credentials.token}` } : { 'x-guest-id': credentials.guestId };

/**
 * An internal app's client: queries over HTTP, subscriptions over SSE, with a token (an
 * agent, a user) or a guest id as its credentials.
 */
export function trpcClient(baseUrl: string, credentials: Credentials) {
  const headers = headersFor(credentials);
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url: `${baseUrl}/trpc`,
          EventSource,
          eventSourceOptions: { fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...headers } }) },
        }),
        false: httpLink({ url: `${baseUrl}/trpc`, headers }),
      }),
    ],
  });
}

/** Collects what a subscription yields, with a way to wait for a condition on it. */
export function collectSubscription(start: (onData: (data: any) => void) => { unsubscribe(): void }) {
  const seen: any[] = [];
  const waiters: (() => void)[] = [];
  const sub = start((data) => {
    seen.push(data);
    waiters.splice(0).forEach((w) => w());
  });
  return {
    seen,
    unsubscribe: () => sub.unsubscribe(),
    async until(condition: (seen: any[]) => boolean, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!condition(seen)) {
        if (Date.now() > deadline) throw new Error(`timed out; saw ${JSON.stringify(seen.map((s) => s.data?.type ?? s.type))}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
  };
}

/**
 * A subscription's SSE stream over plain HTTP, without a link that would reconnect: the
 * answer's status, the text so far, and `ended`, which settles when the server ends it.
 */
export async function openSubscription(baseUrl: string, path: string, input: unknown, credentials: Credentials) {
  const abort = new AbortController();
  const url = `${baseUrl}/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`;
  const response = await fetch(url, { headers: { ...headersFor(credentials), accept: 'text/event-stream' }, signal: abort.signal });
  let text = '';
  const decoder = new TextDecoder();
  const ended = (async () => {
    for await (const chunk of response.body ?? []) text += decoder.decode(chunk, { stream: true });
  })().catch(() => undefined); // closed by this side
  return { status: response.status, text: () => text, ended, close: () => abort.abort() };
}
