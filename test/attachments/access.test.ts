import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_LENGTH } from '../../src/router/messages.schema.js';
import { call, expectFailure, expectFieldError, guestWithConversation, rawRequest, trpcMutation, trpcQuery, userWithConversation, type Who } from '../rest/helpers.js';
import { person, request, startTestServer, type Reply, type TestServer } from '../support/server.js';
import { announce, complete, putBytes, pngWithMetadata, sendFiles, textFile, uploaded, type Attachment } from './helpers.js';

/**
 * Issue 14: who may call each attachment procedure, over REST and tRPC; what bad input gets
 * (a 4xx in the envelope, never a 500 or a hang); the per-identity upload budget.
 */
let server: TestServer;
let admin: Awaited<ReturnType<typeof person>>;
let otherUser: Awaited<ReturnType<typeof userWithConversation>>;
let otherGuest: Awaited<ReturnType<typeof guestWithConversation>>;
beforeAll(async () => {
  server = await startTestServer();
  admin = await person('admin');
  otherUser = await userWithConversation(server);
  otherGuest = await guestWithConversation(server);
});
afterAll(() => server.close());

type Caller = 'owner' | 'admin' | 'another user' | 'another guest' | 'an unknown guest id' | 'nobody';
const FAKE_GUEST = 'guest_123_fake';

/** The signed-link half of a link: what `open` and `receive` take. */
function linkInput(link: string) {
  const url = new URL(link, 'http://x');
  return { attachmentId: url.pathname.split('/')[4]!, expires: Number(url.searchParams.get('expires')), signature: url.searchParams.get('signature')! };
}

const pathOf = (link: string) => {
  const url = new URL(link, 'http://x');
  return url.pathname + url.search;
};

/** A refusal in the transport's envelope that gives nothing away. */
function expectRefused(reply: Reply, status: number, what: string) {
  expect(reply.status, `${what}: ${JSON.stringify(reply.body)}`).toBe(status);
  if (reply.body?.error) {
    expect(reply.body.error).toMatchObject({ message: expect.any(String), data: { httpStatus: status } });
  } else {
    expect(reply.body).toEqual({ success: false, message: expect.any(String), ...(reply.body.errors && { errors: expect.any(Array) }) });
  }
  expect(JSON.stringify(reply.body), what).not.toMatch(/signature=|"url"|"key"/);
}

describe.each(['user', 'guest'] as const)('who may call each attachment procedure, for a %s’s conversation', (kind) => {
  let owner: Who;
  let conversationId: string;
  let socket: Socket;
  let who: Record<Caller, Who>;

  beforeAll(async () => {
    const customer = kind === 'user' ? await userWithConversation(server) : await guestWithConversation(server);
    owner = 'token' in customer ? { token: customer.token } : { guestId: customer.guestId };
    conversationId = customer.conversationId;
    ({ socket } = await server.connect({ ...owner }));
    who = {
      owner,
      admin: { token: admin.token },
      'another user': { token: otherUser.token },
      'another guest': { guestId: otherGuest.guestId },
      'an unknown guest id': { guestId: FAKE_GUEST },
      nobody: {},
    };
  });

  /**
   * Calls `run` as every caller, those refused first (a refusal changes nothing), and checks
   * each status; answers the successful replies by caller.
   */
  async function matrix(what: string, run: (as: Who) => Promise<Reply>, expected: Record<Caller, number>) {
    const callers = (Object.keys(expected) as Caller[]).sort((a, b) => Number(expected[a] < 400) - Number(expected[b] < 400));
    const answers: Partial<Record<Caller, Reply>> = {};
    for (const caller of callers) {
      const reply = await run(who[caller]);
      if (expected[caller] >= 400) expectRefused(reply, expected[caller], `${what} as ${caller}`);
      else expect(reply.status, `${what} as ${caller}: ${JSON.stringify(reply.body)}`).toBe(expected[caller]);
      answers[caller] = reply;
    }
    return answers;
  }
  const onlyUploader = { owner: 200, admin: 404, 'another user': 404, 'another guest': 404, 'an unknown guest id': 401, nobody: 401 };
  const ownerAndAdmins = { ...onlyUploader, admin: 200 };

  const attachment = (file = textFile()) => uploaded(server, owner, conversationId, file);
  async function sent(file = textFile()) {
    const ready = await attachment(file);
    const ack = await sendFiles(socket, conversationId, [ready.id]);
    expect(ack.success, JSON.stringify(ack)).toBe(true);
    return ack.data.attachments[0] as Attachment;
  }
  const id = (reply: Reply) => (reply.body.data ?? reply.body.result?.data).attachmentId as string;

  it('create: the owner and admins, into a conversation they see', async () => {
    const input = { conversationId, name: 'a.txt', size: 3, contentType: 'text/plain' };
    const expected = { ...ownerAndAdmins, 'another user': 404, 'another guest': 404 };
    const rest = await matrix('POST /attachments', (as) => request(server, '/api/support/attachments', { ...as, body: input }), { ...expected, owner: 201, admin: 201 });
    const trpc = await matrix('attachments.create', (as) => trpcMutation(server, 'attachments.create', input, as), expected);
    for (const reply of [rest.owner!, rest.admin!, trpc.owner!, trpc.admin!]) expect(id(reply)).toMatch(/^[0-9a-f-]{36}$/);
    // Someone else's conversation answers as one that does not exist.
    expect((await request(server, '/api/support/attachments', { ...who['another user'], body: input })).body.message).toBe('Conversation not found');
  });

  it('complete: only the uploader', async () => {
    const created = await announce(server, owner, conversationId, textFile());
    await putBytes(server, created, textFile().bytes);
    const attachmentId = id(created);
    await matrix('POST /attachments/:id/complete', (as) => complete(server, as, attachmentId), onlyUploader);
    await matrix('attachments.complete', (as) => trpcMutation(server, 'attachments.complete', { attachmentId }, as), onlyUploader);
    // An agent's own upload into the conversation is theirs to complete, not the owner's.
    const agents = await announce(server, who.admin, conversationId, textFile());
    await putBytes(server, agents, textFile().bytes);
    expectFailure(await complete(server, owner, id(agents)), 404, 'Attachment not found');
    expect((await complete(server, who.admin, id(agents))).status).toBe(200);
  });

  it('get: the uploader before it is sent; then the owner and admins; links for nobody else', async () => {
    const ready = await attachment();
    const before = await matrix('GET /attachments/:id', (as) => request(server, `/api/support/attachments/${ready.id}`, as), onlyUploader);
    expect(before.owner!.body.data.url).toContain('signature=');
    await matrix('attachments.get', (as) => trpcQuery(server, 'attachments.get', { attachmentId: ready.id }, as), onlyUploader);

    const file = await sent();
    const after = await matrix('GET /attachments/:id (sent)', (as) => request(server, `/api/support/attachments/${file.id}`, as), ownerAndAdmins);
    expect(after.admin!.body.data).toMatchObject({ id: file.id, url: expect.stringContaining('signature=') });
    await matrix('attachments.get (sent)', (as) => trpcQuery(server, 'attachments.get', { attachmentId: file.id }, as), ownerAndAdmins);
    // A stranger's answer is the one for an id that does not exist.
    const stranger = await rawRequest(server, `/api/support/attachments/${file.id}`, who['another guest']);
    const missing = await rawRequest(server, `/api/support/attachments/${randomUUID()}`, who['another guest']);
    expect([stranger.status, stranger.text]).toEqual([missing.status, missing.text]);
  });

  it('open (download): a valid link AND the owner’s or an admin’s credentials', async () => {
    const file = await sent({ name: 'shot.png', bytes: await pngWithMetadata(), type: 'image/png' });
    for (const link of [file.url, file.thumbnailUrl!]) {
      const answers = await matrix(`GET ${link.split('?')[0]}`, (as) => request(server, pathOf(link), as), ownerAndAdmins);
      expect(answers.owner!.headers.get('content-type')).toMatch(/^image\/(png|webp)$/);
      const variant = link === file.url ? 'file' : 'thumbnail';
      const trpc = await matrix(`attachments.open ${variant}`, (as) => trpcQuery(server, 'attachments.open', { ...linkInput(link), variant }, as), ownerAndAdmins);
      expect(trpc.admin!.body.result.data).toMatchObject({ contentType: variant === 'file' ? 'image/png' : 'image/webp', inline: true });
    }
    // Before it is sent, an agent does not get it even with a link.
    const unsent = await attachment();
    await matrix('GET content (unsent)', (as) => request(server, pathOf(unsent.url), as), onlyUploader);
    // A link of one file opens no other, nor the other variant.
    const other = await sent();
    const swapped = linkInput(file.url);
    expectFailure(await request(server, `/api/support/attachments/${other.id}/content?expires=${swapped.expires}&signature=${swapped.signature}`, owner), 403, 'Invalid link');
    expectFailure(await request(server, `/api/support/attachments/${file.id}/thumbnail?expires=${swapped.expires}&signature=${swapped.signature}`, owner), 403, 'Invalid link');
    // A text file has no thumbnail.
    const text = linkInput(other.url);
    expect((await trpcQuery(server, 'attachments.open', { ...text, variant: 'thumbnail' }, owner)).status).toBe(403);
  });

  it('cancel: only the uploader, only before it is sent', async () => {
    const rest = await attachment();
    await matrix('DELETE /attachments/:id', (as) => request(server, `/api/support/attachments/${rest.id}`, { ...as, method: 'DELETE' }), onlyUploader);
    const trpc = await attachment();
    await matrix('attachments.cancel', (as) => trpcMutation(server, 'attachments.cancel', { attachmentId: trpc.id }, as), onlyUploader);
    const file = await sent();
    const afterSend = { ...onlyUploader, owner: 409 };
    await matrix('DELETE /attachments/:id (sent)', (as) => request(server, `/api/support/attachments/${file.id}`, { ...as, method: 'DELETE' }), afterSend);
    await matrix('attachments.cancel (sent)', (as) => trpcMutation(server, 'attachments.cancel', { attachmentId: file.id }, as), afterSend);
  });

  it('receive (the disk upload): the signed URL is the credential, for this file only, until it is checked', async () => {
    const created = await announce(server, owner, conversationId, textFile());
    const link = created.body.data.upload.url as string;
    const put = (path: string, as: Who = {}, body = textFile().bytes) =>
      rawRequest(server, path, { ...as, method: 'PUT', headers: { 'content-type': 'text/plain' }, body: body as unknown as string });
    // Like a presigned bucket URL: whoever holds it may send the bytes, whatever else they send.
    for (const as of [{}, { guestId: FAKE_GUEST }, who['another guest']]) expect((await put(pathOf(link), as)).status).toBe(200);
    const { attachmentId, expires, signature } = linkInput(link);
    const other = await announce(server, owner, conversationId, textFile());
    for (const path of [
      `/api/support/attachments/${id(other)}/upload?expires=${expires}&signature=${signature}`,
      `/api/support/attachments/${attachmentId}/upload?expires=${expires + 1}&signature=${signature}`,
      `/api/support/attachments/${attachmentId}/upload?expires=${expires}&signature=${signature.slice(1)}A`,
    ]) {
      const refused = await put(path, owner);
      expect([refused.status, JSON.parse(refused.text)]).toEqual([403, { success: false, message: 'Invalid link' }]);
    }
    expect((await trpcMutation(server, 'attachments.receive', { attachmentId: id(other), expires, signature })).status).toBe(403);
    expect((await complete(server, owner, attachmentId)).status).toBe(200);
    const late = await put(pathOf(link), owner, Buffer.from('replaced'));
    expect([late.status, JSON.parse(late.text).message]).toEqual([409, 'The file was already uploaded']);
  });
});

describe('bad input: always a 4xx in the envelope, never a 500 or a hang', () => {
  let user: Awaited<ReturnType<typeof userWithConversation>>;
  let ready: Attachment;
  let link: ReturnType<typeof linkInput>;
  let socket: Socket;
  beforeAll(async () => {
    user = await userWithConversation(server);
    ready = await uploaded(server, { token: user.token }, user.conversationId, textFile());
    link = linkInput(ready.url);
    ({ socket } = await server.connect({ token: user.token }));
  });

  const create = (fields: Record<string, unknown>) => ({ conversationId: user.conversationId, name: 'a.txt', size: 3, contentType: 'text/plain', ...fields });
  const createCases: [string, () => unknown, string[]][] = [
    ['nothing', () => ({}), ['conversationId', 'name', 'size']],
    ['no size', () => ({ conversationId: user.conversationId, name: 'a.txt' }), ['size']],
    ...(['not-a-uuid', 12345, null, [], { id: 1 }] as unknown[]).map((v): [string, () => unknown, string[]] => [`conversationId ${JSON.stringify(v)}`, () => create({ conversationId: v }), ['conversationId']]),
    ...([12345, null, [], ['a.txt'], '', 'x'.repeat(1001)] as unknown[]).map((v): [string, () => unknown, string[]] => [`name ${JSON.stringify(v).slice(0, 20)}`, () => create({ name: v }), ['name']]),
    ...(['5', '', -1, 0, 1.5, null, [], [5], true, 2 ** 53, 1e300] as unknown[]).map((v): [string, () => unknown, string[]] => [`size ${JSON.stringify(v)}`, () => create({ size: v }), ['size']]),
    ...([5, null, [], { type: 'text/plain' }, 'x'.repeat(201)] as unknown[]).map((v): [string, () => unknown, string[]] => [`contentType ${JSON.stringify(v).slice(0, 20)}`, () => create({ contentType: v }), ['contentType']]),
  ];

  it.each(createCases)('POST /attachments with %s: 400 naming the field', async (_, body, fields) => {
    const reply = await request(server, '/api/support/attachments', { token: user.token, body: body() });
    for (const field of fields) expectFieldError(reply, field);
    const trpc = await trpcMutation(server, 'attachments.create', body(), { token: user.token });
    expect(trpc.status).toBe(400);
    expect(trpc.body.error.data.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(fields));
  });

  it('POST /attachments with a body that is not an object, not JSON, or too large', async () => {
    for (const rawBody of ['[]', 'null', '"a.txt"', '42', '{"name": "a.txt",', `{"name": "${'x'.repeat(200_000)}"}`]) {
      const reply = await request(server, '/api/support/attachments', { token: user.token, method: 'POST', rawBody });
      expect(reply.status, rawBody.slice(0, 30)).toBeGreaterThanOrEqual(400);
      expect(reply.status, rawBody.slice(0, 30)).toBeLessThan(500);
      expect(reply.body).toMatchObject({ success: false, message: expect.any(String) });
    }
    for (const input of [null, [], 'a.txt', 42]) expect((await trpcMutation(server, 'attachments.create', input, { token: user.token })).status).toBe(400);
  });

  it('takes a name of 1000 characters, or with a lone surrogate, and makes it safe', async () => {
    for (const name of [`${'n'.repeat(996)}.txt`, '\ud800 broken.txt', 'a\udc00b.txt']) {
      const created = await request(server, '/api/support/attachments', { token: user.token, body: create({ name }) });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
  });

  const restCases: [string, string, string | undefined, string[]][] = [
    ['POST', '/attachments/not-a-uuid/complete', undefined, ['attachmentId']],
    ['GET', '/attachments/not-a-uuid', undefined, ['attachmentId']],
    ['GET', '/attachments/12345', undefined, ['attachmentId']],
    ['DELETE', '/attachments/not-a-uuid', undefined, ['attachmentId']],
    ['GET', '/attachments/{id}/content', '', ['expires', 'signature']],
    ['GET', '/attachments/{id}/content', '?expires=abc&signature=x', ['expires']],
    ['GET', '/attachments/{id}/content', '?expires=-5&signature=x', ['expires']],
    ['GET', '/attachments/{id}/content', '?expires=1.5&signature=x', ['expires']],
    ['GET', '/attachments/{id}/content', '?expires=1&expires=2&signature=x', ['expires']],
    ['GET', '/attachments/{id}/content', '?expires=99999999999999999999&signature=x', ['expires']],
    ['GET', '/attachments/{id}/content', '?expires=1&signature=', ['signature']],
    ['GET', '/attachments/{id}/content', `?expires=1&signature=${'s'.repeat(201)}`, ['signature']],
    ['GET', '/attachments/{id}/content', '?expires=1&signature=a&signature=b', ['signature']],
    ['GET', '/attachments/not-a-uuid/content', '?expires=1&signature=x', ['attachmentId']],
    ['GET', '/attachments/not-a-uuid/thumbnail', '?expires=1&signature=x', ['attachmentId']],
    ['PUT', '/attachments/not-a-uuid/upload', '?expires=1&signature=x', ['attachmentId']],
    ['PUT', '/attachments/{id}/upload', '', ['expires', 'signature']],
    ['PUT', '/attachments/{id}/upload', '?expires=soon&signature=x', ['expires']],
  ];

  it.each(restCases)('%s %s%s: 400 naming %j', async (method, path, query, fields) => {
    const reply = await request(server, `/api/support${path.replace('{id}', ready.id)}${query ?? ''}`, {
      method,
      token: user.token,
      ...(method === 'PUT' && { rawBody: 'abc', headers: { 'content-type': 'text/plain' } }),
    });
    for (const field of fields) expectFieldError(reply, field);
  });

  it('answers 404 for a variant that does not exist, and for a well-formed id nobody has', async () => {
    expectFailure(await request(server, `/api/support/attachments/${ready.id}/original?expires=${link.expires}&signature=${link.signature}`, { token: user.token }), 404, 'Not found');
    for (const [method, path] of [
      ['GET', `/attachments/${randomUUID()}`],
      ['POST', `/attachments/${randomUUID()}/complete`],
      ['DELETE', `/attachments/${randomUUID()}`],
    ] as const) {
      expectFailure(await request(server, `/api/support${path}`, { method, token: user.token }), 404, 'Attachment not found');
    }
  });

  const trpcCases: [string, 'query' | 'mutation', () => unknown, string][] = [
    ['attachments.complete', 'mutation', () => ({ attachmentId: 123 }), 'attachmentId'],
    ['attachments.complete', 'mutation', () => ({}), 'attachmentId'],
    ['attachments.complete', 'mutation', () => null, 'body'],
    ['attachments.get', 'query', () => ({ attachmentId: [ready.id] }), 'attachmentId'],
    ['attachments.get', 'query', () => ({ attachmentId: 'nope' }), 'attachmentId'],
    ['attachments.cancel', 'mutation', () => ({ attachmentId: null }), 'attachmentId'],
    ['attachments.open', 'query', () => ({ ...link, variant: 'original' }), 'variant'],
    ['attachments.open', 'query', () => ({ ...link }), 'variant'],
    ['attachments.open', 'query', () => ({ ...link, variant: 'file', expires: String(link.expires) }), 'expires'],
    ['attachments.open', 'query', () => ({ ...link, variant: 'file', expires: -1 }), 'expires'],
    ['attachments.open', 'query', () => ({ ...link, variant: 'file', signature: 42 }), 'signature'],
    ['attachments.receive', 'mutation', () => ({ ...link, expires: null }), 'expires'],
    ['attachments.receive', 'mutation', () => ({ ...link, attachmentId: '../../etc/passwd' }), 'attachmentId'],
  ];

  it.each(trpcCases)('%s (%s) with %s: 400 naming %s', async (procedure, kind, input, field) => {
    const reply = await (kind === 'query' ? trpcQuery : trpcMutation)(server, procedure, input(), { token: user.token });
    expect(reply.status, JSON.stringify(reply.body)).toBe(400);
    expect(reply.body.error).toMatchObject({ message: 'Validation failed' });
    expect(reply.body.error.data.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  const ids = () => Array.from({ length: 6 }, () => randomUUID());
  const sendCases: [string, () => Record<string, unknown>, string][] = [
    ['a file message without attachmentIds', () => ({ messageType: 'file' }), 'attachmentIds'],
    ['a file message with attachmentIds null', () => ({ messageType: 'file', attachmentIds: null }), 'attachmentIds'],
    ['attachmentIds as a string', () => ({ messageType: 'file', attachmentIds: ready.id }), 'attachmentIds'],
    ['attachmentIds as a number', () => ({ messageType: 'file', attachmentIds: 5 }), 'attachmentIds'],
    ['attachmentIds as an object', () => ({ messageType: 'file', attachmentIds: { 0: ready.id } }), 'attachmentIds'],
    ['no attachmentIds at all ([])', () => ({ messageType: 'file', attachmentIds: [] }), 'attachmentIds'],
    ['a number among attachmentIds', () => ({ messageType: 'file', attachmentIds: [123] }), 'attachmentIds.0'],
    ['null among attachmentIds', () => ({ messageType: 'file', attachmentIds: [ready.id, null] }), 'attachmentIds.1'],
    ['a non-uuid among attachmentIds', () => ({ messageType: 'file', attachmentIds: ['../etc/passwd'] }), 'attachmentIds.0'],
    ['6 attachmentIds', () => ({ messageType: 'file', attachmentIds: ids() }), 'attachmentIds'],
    ['the same id twice', () => ({ messageType: 'file', attachmentIds: [ready.id, ready.id] }), 'attachmentIds'],
    ['the same id twice in other cases', () => ({ messageType: 'file', attachmentIds: [ready.id, ready.id.toUpperCase()] }), 'attachmentIds'],
    ['a text message with attachmentIds', () => ({ messageType: 'text', message: 'hi', attachmentIds: [ready.id] }), 'attachmentIds'],
    ['attachmentIds without messageType', () => ({ message: 'hi', attachmentIds: [ready.id] }), 'attachmentIds'],
    ['an unknown messageType', () => ({ messageType: 'image', attachmentIds: [ready.id] }), 'messageType'],
    ['a server messageType', () => ({ messageType: 'system', attachmentIds: [ready.id] }), 'messageType'],
    ['messageType as a number', () => ({ messageType: 5, attachmentIds: [ready.id] }), 'messageType'],
    ['messageType null', () => ({ messageType: null, attachmentIds: [ready.id] }), 'messageType'],
    ['a caption that is a number', () => ({ messageType: 'file', message: 5, attachmentIds: [ready.id] }), 'message'],
    ['a caption too long', () => ({ messageType: 'file', message: 'x'.repeat(MAX_MESSAGE_LENGTH + 1), attachmentIds: [ready.id] }), 'message'],
    ['a clientMessageId that is not a uuid', () => ({ messageType: 'file', attachmentIds: [ready.id], clientMessageId: 'retry-1' }), 'clientMessageId'],
  ];

  it.each(sendCases)('message:send with %s: a validation failure naming %s', async (_, fields, field) => {
    const payload = { conversationId: user.conversationId, ...fields() };
    const ack = await call(socket, 'message:send', payload);
    expect(ack).toMatchObject({ success: false, message: 'Validation failed' });
    expect(ack.errors.map((e: { field: string }) => e.field)).toContain(field);
    const trpc = await trpcMutation(server, 'messages.send', payload, { token: user.token });
    expect(trpc.status).toBe(400);
    expect(trpc.body.error.data.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('sent nothing and took no file in any refused send', async () => {
    const page = await request(server, `/api/support/conversation/${user.conversationId}/messages`, { token: user.token });
    expect(page.body.data.messages.filter((m: { messageType: string }) => m.messageType === 'file')).toEqual([]);
    expect((await sendFiles(socket, user.conversationId, [ready.id])).success).toBe(true);
  });
});

describe('the per-identity upload budget (ATTACHMENTS_PER_IDENTITY)', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ LIMIT_ATTACHMENTS_PER_IDENTITY: '3/3600', ATTACHMENT_MAX_BYTES: '1000' });
  });
  afterAll(() => limited.close());

  it('refuses the 4th create in the window with 429 and Retry-After, counting only what was accepted, per identity', async () => {
    const guest = await guestWithConversation(limited);
    const as = { guestId: guest.guestId };
    // Refused before the budget: too large, a refused type.
    expect((await announce(limited, as, guest.conversationId, { name: 'big.txt', bytes: Buffer.alloc(0), size: 1001 })).status).toBe(413);
    expect((await announce(limited, as, guest.conversationId, { name: 'page.html', bytes: Buffer.from('<p>') })).status).toBe(415);
    for (let i = 0; i < 3; i++) expect((await announce(limited, as, guest.conversationId, textFile())).status).toBe(201);

    const refused = await announce(limited, as, guest.conversationId, textFile());
    expectFailure(refused, 429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    const trpc = await trpcMutation(limited, 'attachments.create', { conversationId: guest.conversationId, name: 'a.txt', size: 3 }, as);
    expect(trpc.status).toBe(429);
    expect(Number(trpc.headers.get('retry-after'))).toBeGreaterThan(0);

    // Another guest, a user and an agent have budgets of their own.
    const other = await guestWithConversation(limited);
    expect((await announce(limited, { guestId: other.guestId }, other.conversationId, textFile())).status).toBe(201);
    const user = await userWithConversation(limited);
    expect((await announce(limited, { token: user.token }, user.conversationId, textFile())).status).toBe(201);
    const agent = await person('admin');
    expect((await announce(limited, { token: agent.token }, guest.conversationId, textFile())).status).toBe(201);
  });
});
