/**
 * Agents' consoles as the server sees them, one process for all of them (started by
 * `consolesLoad`). Each signs in (inbox.counts, the first inbox page), holds the live.inbox SSE
 * stream (batched every 250 ms, as the console asks), and does what the console does with its
 * events: a message for a conversation not on its first page makes it read the page again, at
 * most every 2 s (the console's debounced invalidation); a new conversation (seq 1) re-reads the
 * counts, and any other message at most every 5 s (the title's unread number); a presence heartbeat every 20 s. Prints "ready" once all are subscribed, and a JSON
 * summary on SIGTERM.
 */
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import type { AppRouter } from '../../src/router/index.js';

const { url, tokens, refetch } = JSON.parse(process.env.CONSOLES_CONFIG!) as { url: string; tokens: string[]; refetch: boolean };
let events = 0;
let refetches = 0;
let errors = 0;
/** How long each list re-read took, ms. */
const listMs: number[] = [];
const failed = () => {
  errors++;
  return undefined;
};

async function openConsole(token: string): Promise<() => void> {
  const headers = { authorization: `Bearer ${token}` };
  const client = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url: `${url}/trpc`, EventSource, eventSourceOptions: { fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...headers } }) } }),
        false: httpLink({ url: `${url}/trpc`, headers }),
      }),
    ],
  });
  const firstPage = async () => new Set(((await client.inbox.list.query({}).catch(failed))?.conversations ?? []).map((c) => c.id));
  await client.inbox.counts.query().catch(failed);
  let page = await firstPage();
  const due = new Set<'list' | 'counts'>();
  const later = (what: 'list' | 'counts') => {
    if (due.has(what)) return;
    due.add(what);
    setTimeout(
      async () => {
        due.delete(what);
        refetches++;
        if (what === 'counts') await client.inbox.counts.query().catch(failed);
        else {
          const t0 = performance.now();
          page = await firstPage();
          listMs.push(performance.now() - t0);
        }
      },
      what === 'list' ? 2_000 : 200,
    );
  };
  // The title's unread number: counts read at once, then at most every 5 s while messages come.
  let countsAt = -Infinity;
  let countsTimer: ReturnType<typeof setTimeout> | undefined;
  const countsSoon = () => {
    if (countsTimer || !refetch) return;
    const fire = () => {
      countsTimer = undefined;
      countsAt = Date.now();
      refetches++;
      void client.inbox.counts.query().catch(failed);
    };
    const wait = countsAt + 5_000 - Date.now();
    if (wait <= 0) fire();
    else countsTimer = setTimeout(fire, wait);
  };
  let close = () => {};
  const subscribed = new Promise<void>((resolve) => {
    const subscription = client.live.inbox.subscribe(
      { batchMs: 250 },
      {
        onStarted: () => resolve(),
        onError: failed,
        onData: ({ data }) => {
          for (const event of data.type === 'batch' ? data.events : [data]) {
            events++;
            if (event.type !== 'message' || !refetch) continue;
            if (!page.has(event.message.conversationId)) later('list');
            if (event.message.seq === 1) later('counts');
            else countsSoon();
          }
        },
      },
    );
    close = () => subscription.unsubscribe();
  });
  await subscribed;
  await client.presence.heartbeat.mutate({ state: 'online' }).catch(failed);
  const heartbeat = setInterval(() => void client.presence.heartbeat.mutate({ state: 'online' }).catch(failed), 20_000);
  return () => {
    clearInterval(heartbeat);
    close();
  };
}

// Signed in one after another, as agents arrive, not all in one millisecond.
const consoles: (() => void)[] = [];
for (const token of tokens) consoles.push(await openConsole(token));
console.log('ready');
process.once('SIGTERM', () => {
  for (const close of consoles) close();
  const sorted = listMs.sort((a, b) => a - b);
  const lists = sorted.length ? ` (list re-read median ${sorted[sorted.length >> 1]!.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms)` : '';
  console.log(JSON.stringify({ summary: `${events} events, ${refetches} refetches${lists}${errors ? `, ${errors} failed calls` : ''}` }));
  process.exit(0);
});
