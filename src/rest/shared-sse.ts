import { isTrackedEnvelope } from '@trpc/server';
import type { Middleware } from 'koa';
import { clientAddressOf } from '../auth/client-address.js';
import { createContext, type Services } from '../router/context.js';
import { createCaller } from '../router/index.js';
import { credentialsFrom } from './credentials.js';
import type { RestState } from './route.js';

/** The feeds many subscribers hear the same objects from: every agent's console holds `live.inbox`. */
const SHARED_FEEDS = { '/trpc/live.inbox': (caller: ReturnType<typeof createCaller>, input: unknown) => caller.live.inbox(input as never) };

/** tRPC's own SSE headers, so that proxies treat both writers' streams alike. */
const SSE_HEADERS = { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no', Connection: 'keep-alive' };

/** `data:` lines by the object they carry: the first subscriber to send one serialises it for all. */
const encoded = new WeakMap<object, Buffer>();
function dataLine(data: unknown): Buffer {
  if (typeof data !== 'object' || data === null) return Buffer.from(`data: ${JSON.stringify(data)}\n`);
  let line = encoded.get(data);
  if (!line) encoded.set(data, (line = Buffer.from(`data: ${JSON.stringify(data)}\n`)));
  return line;
}

/**
 * tRPC's SSE subscriptions, for the shared feeds only, written so that an object yielded to many
 * subscribers is serialised once. tRPC's own producer stringifies every event for every
 * connection (and has no hook for ready JSON): twenty consoles on `live.inbox` beside 1,000
 * msgs/s spent 4 % of the server's core in it, and the garbage of twenty copies of each batch
 * doubled the collector's time. The procedure is the same one (its authorization, validation and
 * resume rules); only the writing differs, in tRPC's SSE protocol, so `httpSubscriptionLink`
 * cannot tell. A call the procedure refuses is left to tRPC, which answers it in its own shape.
 */
export function sharedSubscriptions(services: Services, options: { trustProxyHops: number; onUnexpectedError: (error: unknown) => void }): Middleware<RestState> {
  return async (ctx, next) => {
    const feed = ctx.method === 'GET' ? SHARED_FEEDS[ctx.path as keyof typeof SHARED_FEEDS] : undefined;
    if (!feed) return next();
    let input: unknown;
    try {
      input = typeof ctx.query.input === 'string' ? JSON.parse(ctx.query.input) : undefined;
    } catch {
      return next();
    }
    // As tRPC does: EventSource's own reconnection sends the last id as a header.
    const lastEventId = ctx.get('Last-Event-Id') || (typeof ctx.query.lastEventId === 'string' ? ctx.query.lastEventId : '');
    if (lastEventId && !/[\0\n\r]/.test(lastEventId)) input = { ...(typeof input === 'object' && input !== null ? input : {}), lastEventId };

    const abort = new AbortController();
    let events: AsyncIterable<unknown>;
    try {
      const context = await createContext(services, credentialsFrom(ctx.req.headers), { clientAddress: clientAddressOf(ctx.req, options.trustProxyHops) });
      events = await feed(createCaller(context, { signal: abort.signal }), input);
    } catch {
      abort.abort();
      return next();
    }

    ctx.respond = false;
    const res = ctx.res;
    res.writeHead(200, SSE_HEADERS);
    res.write('event: connected\ndata: {}\n\n');
    let closed = false;
    const onClose = () => {
      closed = true;
      abort.abort();
    };
    res.once('close', onClose);
    if (res.destroyed) onClose(); // gone while the procedure was being called
    const drained = () =>
      new Promise<void>((resolve) => {
        if (closed || res.destroyed) return resolve();
        const done = () => {
          res.off('drain', done).off('close', done);
          resolve();
        };
        res.on('drain', done).on('close', done);
      });
    try {
      for await (const value of events) {
        if (closed) break;
        const [id, data] = isTrackedEnvelope(value) ? [value[0], value[1]] : [undefined, value];
        res.cork();
        res.write(dataLine(data));
        const flushed = res.write(id === undefined ? '\n' : `id: ${id}\n\n`);
        res.uncork();
        if (!flushed) await drained();
      }
      // The feed ended on its own (the server is stopping): tell the link not to reconnect here.
      if (!closed) res.end('event: return\ndata: \n\n');
    } catch (error) {
      // A feed that fails mid-stream ends it; the link reconnects and resumes from its last id.
      if (!closed) res.end();
      if (!abort.signal.aborted) options.onUnexpectedError(error);
    } finally {
      res.off('close', onClose);
      abort.abort();
    }
  };
}
