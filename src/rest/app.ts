import bodyParser from '@koa/bodyparser';
import cors from '@koa/cors';
import { TRPCError } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import Koa from 'koa';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { createContext, type Services } from '../router/context.js';
import { ok, reportError } from '../router/errors.js';
import { appRouter, createCaller } from '../router/index.js';
import { clientAddressOf } from '../auth/client-address.js';
import { credentialsFrom } from './credentials.js';
import { createDocsRoutes } from './docs.js';
import { createHealthRoutes } from './health.js';
import { asyncApiDocument } from '../realtime/asyncapi.js';
import { openApiDocument } from './openapi.js';
import type { RestState } from './route.js';
import { createSupportRoutes, supportRoutes } from './routes.js';
import { attachmentTransferPaths, createAttachmentTransfers } from './attachment-routes.js';
import { createConsoleRoutes } from './console.js';
import { createEmailLinkRoutes, emailLinkPaths } from './email-links.js';
import { createWidgetRoutes } from './widget.js';
import { sharedSubscriptions } from './shared-sse.js';
import { useFastUtf8EncoderStream } from './utf8-encoder-stream.js';

export const MAX_BODY_BYTES = 100 * 1024;

export interface RestOptions {
  /** `*` or the browser origins allowed to call (the widget runs on customers' sites). */
  corsOrigins: '*' | string[];
  trustProxyHops: number;
  onUnexpectedError: (error: unknown) => void;
  log: Logger;
  metrics: Metrics;
  isDraining: () => boolean;
  /** Outside production the console's sign-in page says how to mint a token. */
  production?: boolean;
}

/** Koa serves the documented REST paths and mounts tRPC at /trpc for internal apps. */
export function createRestApp(services: Services, options: RestOptions): Koa<RestState> {
  const app = new Koa<RestState>();
  const onUnexpected = options.onUnexpectedError;
  useFastUtf8EncoderStream();

  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: MAX_BODY_BYTES,
    createContext: ({ req }) =>
      createContext(services, credentialsFrom(req.headers), { clientAddress: clientAddressOf(req, options.trustProxyHops) }).catch(
        (error: unknown) => {
          // tRPC would show a raw error (a database's message) as a 500, in streams too.
          if (error instanceof TRPCError) throw error;
          const report = reportError(error);
          const code = report.status === 503 ? 'SERVICE_UNAVAILABLE' : report.status === 400 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR';
          throw new TRPCError({ code, message: report.body.message, cause: error });
        },
      ),
    onError: ({ error }) => {
      if (reportError(error).unexpected) onUnexpected(error);
    },
    // tRPC picks its status from the error code alone; the status is the one REST would give
    // (a database outage is a 503, text PostgreSQL cannot store a 400, not a 500).
    responseMeta: ({ errors }) => {
      const reports = errors.map(reportError);
      const first = reports[0];
      if (!first || !reports.every((r) => r.status === first.status)) return {};
      return first.retryAfterSeconds === undefined
        ? { status: first.status }
        : { status: first.status, headers: { 'Retry-After': String(first.retryAfterSeconds) } };
    },
  });

  // One log line and one latency sample per request, tied together by a request id. Both
  // are taken when the response is finished, which also covers tRPC's own responses.
  app.use(async (ctx, next) => {
    const started = performance.now();
    const offered = ctx.get('X-Request-Id');
    const reqId = /^[\w-]{1,64}$/.test(offered) ? offered : randomUUID();
    ctx.set('X-Request-Id', reqId);
    ctx.res.once('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      const route = ctx.path.startsWith('/trpc/') ? '/trpc' : ((ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched');
      const status = ctx.res.statusCode;
      options.metrics.httpSeconds.observe({ method: ctx.method, route: String(route), status }, seconds);
      options.log.info({ reqId, method: ctx.method, path: ctx.path, route, status, ms: Math.round(seconds * 1000) }, 'request');
    });
    await next();
  });

  // The one place REST failures become the spec's envelope.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const httpStatus = (error as { status?: unknown }).status;
      if (typeof httpStatus === 'number' && httpStatus >= 400 && httpStatus < 500) {
        // Koa's own client errors: malformed JSON, a body over the limit, a wrong charset.
        ctx.status = httpStatus;
        ctx.body = { success: false, message: clientErrorMessage(httpStatus, error) };
        return;
      }
      const report = reportError(error);
      if (report.unexpected) onUnexpected(error);
      ctx.status = report.status;
      ctx.body = report.body;
      if (report.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(report.retryAfterSeconds));
    }
  });

  app.use(
    cors({
      origin: (ctx) => {
        const origin = ctx.get('Origin');
        return options.corsOrigins === '*' || options.corsOrigins.includes(origin) ? origin || '*' : '';
      },
      allowHeaders: ['Authorization', 'Content-Type', 'X-Guest-Id'],
      allowMethods: ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE'],
      exposeHeaders: ['Retry-After'],
      maxAge: 600,
    }),
  );

  // Per-address request budget for REST and tRPC alike (probes and static files are free).
  app.use(async (ctx, next) => {
    if (ctx.path.startsWith('/api/') || ctx.path.startsWith('/trpc/')) {
      await services.limits.consume('REQUESTS_PER_ADDRESS', clientAddressOf(ctx.req, options.trustProxyHops));
    }
    return next();
  });

  // The feeds every console holds: each event serialised once for all its subscribers.
  app.use(sharedSubscriptions(services, options));
  app.use(async (ctx, next) => {
    if (!ctx.path.startsWith('/trpc/')) return next();
    ctx.respond = false;
    ctx.res.statusCode = 200; // Koa starts every response at 404; tRPC sets only non-200 codes
    trpc(ctx.req, ctx.res);
  });

  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: MAX_BODY_BYTES, encoding: 'utf-8' }));

  app.use(async (ctx, next) => {
    if (!ctx.path.startsWith('/api/support')) return next();
    const credentials = credentialsFrom(ctx.headers, ctx.request.body);
    const clientAddress = clientAddressOf(ctx.req, options.trustProxyHops);
    ctx.state.caller = createCaller(await createContext(services, credentials, { clientAddress }));
    await next();
    if (ctx.state.body !== undefined) {
      ctx.status = 200;
      ctx.body = ctx.state.body;
    } else if (ctx.state.result !== undefined) {
      ctx.status = ctx.state.status ?? 200;
      const { message } = ctx.state;
      ctx.body = message ? { success: true, message, data: ctx.state.result } : ok(ctx.state.result);
    } else if (ctx.status === 404 || ctx.status === 405 || ctx.status === 501) {
      const status = ctx.status; // setting a body would otherwise turn Koa's default 404 into 200
      ctx.body = { success: false, message: status === 404 ? 'Not found' : 'Method not allowed' };
      ctx.status = status;
    }
  });

  app.use(createHealthRoutes(services.db, options).routes());
  // Pages that upload may reach the bucket, when uploads go straight to one.
  const uploadOrigin = services.files.store.uploadOrigin;
  app.use(createWidgetRoutes({ uploadOrigin }).routes());
  app.use(createConsoleRoutes({ production: options.production ?? false, uploadOrigin }).routes());
  const support = createSupportRoutes(supportRoutes);
  // Generated once: the documents only change with the code.
  app.use(createDocsRoutes({ openapi: openApiDocument(supportRoutes, { ...attachmentTransferPaths, ...emailLinkPaths }), asyncapi: asyncApiDocument() }).routes());
  app.use(createAttachmentTransfers(services.files).routes());
  app.use(createEmailLinkRoutes().routes());
  app.use(support.routes());
  app.use(support.allowedMethods());
  return app;
}

function clientErrorMessage(status: number, error: unknown): string {
  if (status === 413) return 'Request body is too large';
  if (status === 400 && error instanceof SyntaxError) return 'Malformed JSON';
  if (status === 415) return 'Unsupported content type';
  return (error as { expose?: boolean; message?: string }).expose ? String((error as Error).message) : 'Bad request';
}
