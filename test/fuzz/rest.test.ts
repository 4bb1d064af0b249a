import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../../src/router/index.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { authorization, guestHeader, hugeString, jsonValue, nearlyValid, payload, POLLUTION_KEYS, scalar, serialize, headerText, type Known } from './arbitraries.js';
import { bugLines, knownThings, watchProcess } from './setup.js';

/**
 * Property: whatever a client sends to a REST or tRPC path (any method, path parameter,
 * query, headers and body), the answer is the spec's envelope with a status below 500
 * (4xx, or a success when the input happens to be valid); nothing is left as an unhandled
 * rejection; the process stays up and answers /healthz. Runs are bounded (NUM_RUNS per
 * property) and seeded by fast-check, which prints the seed and the shrunk input of a failure.
 */
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 250);

let server: TestServer;
let known: Known & { adminToken: string; guestId: string; conversationId: string };
const watch = watchProcess();
beforeAll(async () => {
  server = await startTestServer();
  known = await knownThings(server);
});
afterAll(async () => {
  watch.stop();
  await server.close();
});

/** Percent-encodes any text (lone surrogates included) for a path segment or query. */
const encode = (text: string) => [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

interface Call {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

interface Answer {
  status: number;
  body: unknown;
  text: string;
  contentType: string;
}

async function send(call: Call): Promise<Answer> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 10_000);
  const response = await fetch(server.url + call.path, {
    method: call.method,
    headers: call.headers,
    body: call.method === 'GET' || call.method === 'HEAD' ? undefined : call.body,
    signal: abort.signal,
  });
  const contentType = response.headers.get('content-type') ?? '';
  let text: string;
  if (contentType.startsWith('text/event-stream')) {
    // A subscription streams until the client leaves: read what comes in the first moments.
    text = await readFor(response, 300);
    abort.abort();
  } else text = await response.text();
  clearTimeout(timer);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text, contentType };
}

async function readFor(response: Response, ms: number): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + ms;
  try {
    while (Date.now() < deadline) {
      const chunk = await Promise.race([reader.read(), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), Math.max(1, deadline - Date.now())))]);
      if (!chunk || chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text;
}

function describeFailure(call: Call, answer: Answer, why: string): Error {
  const shown = { ...call, body: call.body && call.body.length > 300 ? `${call.body.slice(0, 300)}… (${call.body.length} chars)` : call.body };
  return new Error(`${why}: ${call.method} ${shown.path.slice(0, 300)} → ${answer.status} ${answer.text.slice(0, 300)}\n${JSON.stringify(shown.headers)}\n${shown.body}`);
}

/** The REST contract for any answer: below 500, JSON, the spec's envelope. */
function expectEnvelope(call: Call, answer: Answer): void {
  if (answer.status >= 500) throw describeFailure(call, answer, 'a 5xx');
  // HEAD has no body; OPTIONS is answered by CORS / Allow headers.
  if (call.method === 'HEAD' || answer.status === 204 || (call.method === 'OPTIONS' && answer.status < 300)) return;
  const body = answer.body as { success?: unknown; message?: unknown } | undefined;
  if (!body || typeof body !== 'object' || typeof body.success !== 'boolean') throw describeFailure(call, answer, 'not an envelope');
  if (answer.status >= 400 && (body.success !== false || typeof body.message !== 'string' || body.message === '')) {
    throw describeFailure(call, answer, 'a failure without {success:false, message}');
  }
  if (answer.status >= 300 && answer.status < 400) throw describeFailure(call, answer, 'a redirect');
}

/** tRPC answers in its own shape: below 500, JSON with `result` or `error`. */
function expectTrpcAnswer(call: Call, answer: Answer): void {
  if (answer.status >= 500) throw describeFailure(call, answer, 'a 5xx');
  if (call.method === 'HEAD' || answer.status === 204) return;
  if (answer.contentType.startsWith('text/event-stream')) {
    // A subscription: errors travel as events; none may be a server bug.
    if (answer.status !== 200 || /"httpStatus":5\d\d|INTERNAL_SERVER_ERROR/.test(answer.text)) throw describeFailure(call, answer, 'a 5xx in a stream');
    return;
  }
  const body = answer.body;
  // Refused before tRPC saw it (a URL over Node's header limit): the transport's envelope.
  if (answer.status >= 400 && (body as { success?: unknown } | undefined)?.success === false) return;
  const items = Array.isArray(body) ? body : [body];
  if (body === undefined || !items.every((item) => item && typeof item === 'object' && ('result' in item || 'error' in item))) {
    throw describeFailure(call, answer, 'not a tRPC answer');
  }
}

function headers(): fc.Arbitrary<Record<string, string>> {
  const optional = fc.record(
    { 'x-request-id': headerText, 'x-forwarded-for': headerText, origin: headerText, accept: headerText, cookie: headerText },
    { requiredKeys: [] },
  );
  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=latin1',
        'application/json; charset=utf-16',
        'multipart/form-data; boundary=x',
        '*/*',
      ),
    },
    { weight: 1, arbitrary: headerText },
  );
  return fc
    .tuple(authorization(known), guestHeader(known), contentType, optional)
    .map(([auth, guest, type, rest]) => {
      const h: Record<string, string> = { 'content-type': type, ...rest };
      if (auth !== undefined) h.authorization = auth;
      if (guest !== undefined) h['x-guest-id'] = guest;
      return h;
    });
}

/** Request bodies: JSON of any shape, broken JSON, too large, or not JSON at all. */
function body(): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: payload(known).map(serialize) },
    { weight: 4, arbitrary: nearlyValid(known).map(serialize) },
    { weight: 1, arbitrary: payload(known).map((p) => serialize(p).slice(0, -1)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    { weight: 1, arbitrary: fc.constantFrom('', 'null', '[]', '""', '0', '{"a":', '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}') },
    { weight: 1, arbitrary: hugeString.map((s) => JSON.stringify({ message: s, subject: s })) },
    { weight: 1, arbitrary: fc.integer({ min: 101, max: 300 }).map((kb) => JSON.stringify({ subject: 'x'.repeat(kb * 1024) })) },
  );
}

/** Query strings with the parameters the routes read, duplicates, nesting syntax and pollution keys. */
function query(): fc.Arbitrary<string> {
  const key = fc.oneof(
    fc.constantFrom('page', 'limit', 'before', 'after', 'type', 'input', 'batch'),
    fc.constantFrom(...POLLUTION_KEYS, '__proto__[polluted]', 'constructor[prototype][polluted]', 'page[]', 'limit[0]'),
    fc.string({ unit: 'binary', maxLength: 10 }),
  );
  const value = fc.oneof(scalar(known).map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? '')), fc.constant(''));
  return fc
    .array(fc.tuple(key, value), { maxLength: 6 })
    .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}` : ''));
}

const segment = () =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...known.conversationIds) },
    { weight: 1, arbitrary: fc.uuid().map(String) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map(encode) },
    { weight: 1, arbitrary: fc.constantFrom('%00', '..', '%2e%2e', '%2F', '__proto__', 'constructor', '0', '-1', '1e309', 'x'.repeat(5000)) },
  );

const method = (usual: string) => fc.oneof({ weight: 8, arbitrary: fc.constant(usual) }, { weight: 2, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD') });

const routes: { name: string; method: string; path: (id: string) => string }[] = [
  { name: 'GET /conversation', method: 'GET', path: () => '/api/support/conversation' },
  { name: 'POST /conversation/guest', method: 'POST', path: () => '/api/support/conversation/guest' },
  { name: 'GET /conversation/:id/messages', method: 'GET', path: (id) => `/api/support/conversation/${id}/messages` },
  { name: 'GET /conversation/:id', method: 'GET', path: (id) => `/api/support/conversation/${id}` },
  { name: 'POST /onboarding/generate-code', method: 'POST', path: () => '/api/support/onboarding/generate-code' },
  { name: 'POST /onboarding/verify-code', method: 'POST', path: () => '/api/support/onboarding/verify-code' },
];

describe('REST under hostile input', () => {
  for (const route of routes) {
    it(`${route.name}: any method, id, query, headers and body get a 4xx envelope or a success, never a 500`, async () => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(method(route.method), segment(), query(), headers(), body(), async (m, id, q, h, b) => {
          const call: Call = { method: m, path: route.path(id) + q, headers: h, body: b };
          const answer = await send(call);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          expectEnvelope(call, answer);
        }),
        { numRuns: NUM_RUNS },
      );
      console.log(`[fuzz] ${route.name}: ${NUM_RUNS} runs, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
      // The generators reach past validation: some calls succeed, some are refused.
      expect([...statuses.keys()].some((s) => s < 300) || route.name.includes('generate-code')).toBe(true);
      expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);
    }, 120_000);
  }
});

describe('tRPC under hostile input', () => {
  const procedures = Object.keys(appRouter._def.procedures as Record<string, unknown>);

  it('every procedure, single or batched, with any input and headers: never a 500', async () => {
    const path = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...procedures) },
      { weight: 1, arbitrary: fc.constantFrom(...POLLUTION_KEYS, 'messages.__proto__', 'messages.constructor', '__proto__.send', 'toString', '') },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).map(encode) },
    );
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.array(path, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('GET', 'POST', 'GET', 'POST', 'PUT', 'DELETE', 'HEAD'),
        fc.boolean(),
        fc.array(fc.oneof(payload(known), jsonValue(known)), { minLength: 1, maxLength: 3 }),
        headers(),
        fc.oneof(fc.constant(''), query()),
        async (paths, m, batched, inputs, h, extraQuery) => {
          let input: string;
          if (batched) input = `{${inputs.map((value, i) => `"${i}":${serialize(value)}`).join(',')}}`;
          else input = serialize(inputs[0]!);
          const route = `/trpc/${(batched ? paths : paths.slice(0, 1)).join(',')}`;
          const params = [batched ? 'batch=1' : '', m === 'GET' ? `input=${encode(input)}` : ''].filter(Boolean).join('&');
          const call: Call = {
            method: m,
            path: `${route}${params ? `?${params}` : ''}${extraQuery ? (params ? '&' : '?') + extraQuery.slice(1) : ''}`,
            headers: h,
            body: input,
          };
          const answer = await send(call);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          expectTrpcAnswer(call, answer);
        },
      ),
      { numRuns: NUM_RUNS * 2 },
    );
    console.log(`[fuzz] /trpc: ${NUM_RUNS * 2} runs, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
  }, 120_000);
});

describe('after the REST fuzzing', () => {
  it('left no unhandled rejection, no logged bug, no polluted prototype, and the server answers /healthz', async () => {
    expect(watch.problems).toEqual([]);
    expect(bugLines(server)).toEqual([]);
    expect(watch.prototypeKeys()).toEqual(watch.originalPrototypeKeys);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    // And it still does real work.
    const guest = await fetch(`${server.url}/api/support/conversation/guest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(guest.status).toBe(200);
  });
});
