import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventArrives, person, request, startTestServer, type TestServer } from '../support/server.js';
import {
  call,
  guestWithConversation,
  rawRequest,
  seedMessages,
  trpcMutation,
  trpcQuery,
  userWithConversation,
  type Who,
} from './helpers.js';

/**
 * Who may touch what: the owner and admins; everyone else is told the conversation does
 * not exist, in exactly the words a random id gets.
 */

type ActorName = 'userA' | 'userB' | 'guestA' | 'guestB' | 'admin' | 'none';
const ACTORS: ActorName[] = ['userA', 'userB', 'guestA', 'guestB', 'admin', 'none'];

let server: TestServer;
let userA: Awaited<ReturnType<typeof userWithConversation>>;
let userB: Awaited<ReturnType<typeof userWithConversation>>;
let guestA: Awaited<ReturnType<typeof guestWithConversation>>;
let guestB: Awaited<ReturnType<typeof guestWithConversation>>;
let admin: Awaited<ReturnType<typeof person>>;
/** One message by the owner in each target conversation, for message:read. */
const ownerMessage: Record<'user' | 'guest', string> = { user: '', guest: '' };
const sockets = {} as Record<ActorName, Socket>;

const credentials = (actor: ActorName): Who =>
  ({
    userA: { token: userA.token },
    userB: { token: userB.token },
    guestA: { guestId: guestA.guestId },
    guestB: { guestId: guestB.guestId },
    admin: { token: admin.token },
    none: {},
  })[actor];

const TARGETS = [
  { name: "user A's conversation", kind: 'user' as const, owner: 'userA' as ActorName, id: () => userA.conversationId },
  { name: "guest A's conversation", kind: 'guest' as const, owner: 'guestA' as ActorName, id: () => guestA.conversationId },
];

const allowed = (actor: ActorName, owner: ActorName) => actor === owner || actor === 'admin';

beforeAll(async () => {
  server = await startTestServer();
  userA = await userWithConversation(server);
  userB = await userWithConversation(server);
  guestA = await guestWithConversation(server);
  guestB = await guestWithConversation(server);
  admin = await person('admin');
  for (const actor of ACTORS) {
    const { socket, identity } = await server.connect(credentials(actor) as Record<string, unknown>);
    sockets[actor] = socket;
    if (actor === 'none') expect(identity.type).toBe('guest');
  }
  ownerMessage.user = (await seedMessages(sockets.userA, userA.conversationId, 1, 'from user A'))[0]!.id;
  ownerMessage.guest = (await seedMessages(sockets.guestA, guestA.conversationId, 1, 'from guest A'))[0]!.id;
});
afterAll(() => server.close());

describe('REST 1: GET /api/support/conversation', () => {
  it('gives every caller their own conversation and nobody anyone else’s', async () => {
    const idOf = async (actor: ActorName) => {
      const reply = await request(server, '/api/support/conversation', credentials(actor));
      expect(reply.status, actor).toBe(200);
      return reply.body.data as Record<string, any>;
    };
    expect((await idOf('userA')).id).toBe(userA.conversationId);
    expect((await idOf('userB')).id).toBe(userB.conversationId);
    expect((await idOf('guestA')).id).toBe(guestA.conversationId);
    expect((await idOf('guestB')).id).toBe(guestB.conversationId);
    const adminOwn = await idOf('admin');
    expect(adminOwn.userId).toBe(admin.id);
    expect([userA.conversationId, userB.conversationId, guestA.conversationId, guestB.conversationId]).not.toContain(adminOwn.id);
  });

  it('refuses no credentials, a guest id this server did not issue and a forged Authorization with 401', async () => {
    const tampered = guestA.guestId.slice(0, -1) + (guestA.guestId.endsWith('a') ? 'b' : 'a');
    for (const who of [{}, { guestId: 'guest_1234567890123_abc123' }, { guestId: tampered }, { guestId: 'test_guest_123' }]) {
      const reply = await request(server, '/api/support/conversation', who);
      expect(reply.status, JSON.stringify(who)).toBe(401);
      expect(reply.body).toEqual({ success: false, message: expect.any(String) });
    }
  });
});

describe('REST 2: POST /api/support/conversation/guest', () => {
  it('returns a guest its own conversation and never anyone else’s', async () => {
    const a = await request(server, '/api/support/conversation/guest', { guestId: guestA.guestId, body: {} });
    expect(a.status).toBe(200);
    expect(a.body.data).toMatchObject({ guestId: guestA.guestId, conversation: { id: guestA.conversationId } });
    const b = await request(server, '/api/support/conversation/guest', { guestId: guestB.guestId, body: {} });
    expect(b.body.data).toMatchObject({ guestId: guestB.guestId, conversation: { id: guestB.conversationId } });

    const others = [userA.conversationId, userB.conversationId, guestA.conversationId, guestB.conversationId];
    for (const who of [{}, { token: userA.token }, { token: admin.token }, { guestId: 'guest_1234567890123_abc123' }]) {
      const reply = await request(server, '/api/support/conversation/guest', { ...who, body: {} });
      expect(reply.status, JSON.stringify(who)).toBe(200);
      expect(others).not.toContain(reply.body.data.conversation.id);
      expect([guestA.guestId, guestB.guestId]).not.toContain(reply.body.data.guestId);
      expect(reply.body.data.conversation.guestId).toBe(reply.body.data.guestId);
    }
  });

  it('does not let a body guestId of another guest override the caller’s header', async () => {
    const reply = await request(server, '/api/support/conversation/guest', { guestId: guestB.guestId, body: { guestId: guestA.guestId } });
    expect(reply.status).toBe(200);
    expect(reply.body.data.guestId).toBe(guestB.guestId);
    expect(reply.body.data.conversation.id).toBe(guestB.conversationId);
  });
});

describe.each(TARGETS)('REST 3 and 4 on $name', (target) => {
  const paths = () => [`/api/support/conversation/${target.id()}`, `/api/support/conversation/${target.id()}/messages`];
  const randomPaths = () => {
    const id = randomUUID();
    return [`/api/support/conversation/${id}`, `/api/support/conversation/${id}/messages`];
  };

  it.each(ACTORS.filter((a) => a !== 'none'))('%s: the owner and admins get 200, others a 404 identical to a random id', async (actor) => {
    const [details, messages] = paths();
    const [randomDetails, randomMessages] = randomPaths();
    const who = credentials(actor);
    if (allowed(actor, target.owner)) {
      const d = await request(server, details!, who);
      expect(d.status).toBe(200);
      expect(d.body.data.id).toBe(target.id());
      const m = await request(server, messages!, who);
      expect(m.status).toBe(200);
      expect(m.body.data.messages.map((x: any) => x.id)).toContain(ownerMessage[target.kind]);
    } else {
      for (const [path, random] of [
        [details!, randomDetails!],
        [messages!, randomMessages!],
      ] as const) {
        const refused = await rawRequest(server, path, who);
        const missing = await rawRequest(server, random, who);
        expect(refused.status, path).toBe(404);
        expect(JSON.parse(refused.text)).toEqual({ success: false, message: 'Conversation not found' });
        expect(refused.text).toBe(missing.text);
        expect(refused.status).toBe(missing.status);
        expect(refused.headers.get('content-length')).toBe(missing.headers.get('content-length'));
      }
    }
  });

  it('answers no credentials with 401 and a guest id this server did not issue with 401', async () => {
    for (const path of paths()) {
      for (const who of [{}, { guestId: 'guest_1234567890123_abc123' }, { guestId: guestA.guestId + '0' }]) {
        const reply = await request(server, path, who);
        expect(reply.status, `${path} ${JSON.stringify(who)}`).toBe(401);
        expect(reply.body).toEqual({ success: false, message: expect.any(String) });
      }
    }
  });
});

describe.each(TARGETS)('socket events on $name', (target) => {
  const events = () => [
    { event: 'conversation:join', payload: (id: string) => ({ conversationId: id }), notFound: 'Conversation not found' },
    { event: 'typing:start', payload: (id: string) => ({ conversationId: id }), notFound: 'Conversation not found' },
    { event: 'conversation:sync', payload: (id: string) => ({ conversationId: id, afterSeq: 0 }), notFound: 'Conversation not found' },
    {
      event: 'message:send',
      payload: (id: string) => ({ conversationId: id, message: `probe into ${target.kind}` }),
      notFound: 'Conversation not found',
    },
  ];

  it.each(ACTORS)('%s: allowed only as owner or admin, refused exactly like a random id', async (actor) => {
    const socket = sockets[actor];
    for (const { event, payload, notFound } of events()) {
      const ack = await call(socket, event, payload(target.id()));
      if (allowed(actor, target.owner)) {
        expect(ack, `${actor} ${event}`).toMatchObject({ success: true });
      } else {
        const missing = await call(socket, event, payload(randomUUID()));
        expect(ack, `${actor} ${event}`).toEqual({ success: false, message: notFound });
        expect(JSON.stringify(ack)).toBe(JSON.stringify(missing));
      }
    }

    const read = await call(socket, 'message:read', { messageId: ownerMessage[target.kind] });
    if (allowed(actor, target.owner)) {
      expect(read, `${actor} message:read`).toMatchObject({ success: true, data: { messageId: ownerMessage[target.kind] } });
    } else {
      const missing = await call(socket, 'message:read', { messageId: randomUUID() });
      expect(read).toEqual({ success: false, message: 'Message not found' });
      expect(JSON.stringify(read)).toBe(JSON.stringify(missing));
    }
  });

  it('stored only the sends of the owner and the admin', async () => {
    const reply = await request(server, `/api/support/conversation/${target.id()}/messages`, { token: admin.token });
    const senders = reply.body.data.messages
      .filter((m: any) => m.message === `probe into ${target.kind}`)
      .map((m: any) => m.senderType)
      .sort();
    expect(senders).toEqual(['admin', target.kind]);
    // The message the others tried to read is still unread by them; the admin (the other side) read it.
    const read = reply.body.data.messages.find((m: any) => m.id === ownerMessage[target.kind]);
    expect(read.isRead).toBe(true);
  });

  it('does not deliver the room’s messages to a socket whose join was refused', async () => {
    const outsider = sockets.userB;
    const arrives = eventArrives(outsider, 'message:received', 500);
    await seedMessages(sockets[target.owner], target.id(), 1, 'private');
    expect(await arrives).toBe(false);
  });
});

describe('socket identity', () => {
  it('gives a socket with a guest id this server did not issue a fresh identity that sees nothing of guest A', async () => {
    const forged = guestA.guestId.slice(0, -4) + '0000';
    const { socket, identity } = await server.connect({ guestId: forged });
    expect(identity.type).toBe('guest');
    expect(identity.guestId).not.toBe(forged);
    expect(identity.guestId).not.toBe(guestA.guestId);
    const ack = await call(socket, 'conversation:join', { conversationId: guestA.conversationId });
    expect(ack).toEqual({ success: false, message: 'Conversation not found' });
    socket.disconnect();
  });
});

describe('tRPC at /trpc obeys the same rules', () => {
  const details = (id: string, who: Who) => trpcQuery(server, 'conversations.details', { conversationId: id }, who);

  it('answers getOrCreate without credentials with 401', async () => {
    const reply = await trpcMutation(server, 'conversations.getOrCreate', {});
    expect(reply.status).toBe(401);
    expect(reply.body.error.data.code).toBe('UNAUTHORIZED');
  });

  it('answers getOrCreate with a guest id this server did not issue with 401', async () => {
    const reply = await trpcMutation(server, 'conversations.getOrCreate', {}, { guestId: 'guest_1234567890123_abc123' });
    expect(reply.status).toBe(401);
    expect(reply.body.error.data.code).toBe('UNAUTHORIZED');
  });

  it('answers getOrCreate for a user with their own conversation', async () => {
    const reply = await trpcMutation(server, 'conversations.getOrCreate', {}, { token: userA.token });
    expect(reply.status).toBe(200);
    expect(reply.body.result.data.id).toBe(userA.conversationId);
  });

  it('answers details of another’s conversation with 404, exactly like a random id', async () => {
    for (const [target, who] of [
      [userA.conversationId, { token: userB.token }],
      [userA.conversationId, { guestId: guestA.guestId }],
      [guestA.conversationId, { guestId: guestB.guestId }],
      [guestA.conversationId, { token: userA.token }],
    ] as const) {
      const refused = await details(target, who);
      const missing = await details(randomUUID(), who);
      expect(refused.status).toBe(404);
      expect(refused.body.error.message).toBe('Conversation not found');
      expect(refused.body.error.data.code).toBe('NOT_FOUND');
      expect(refused.body.error.message).toBe(missing.body.error.message);
      expect(refused.status).toBe(missing.status);
    }
  });

  it('answers details without credentials with 401', async () => {
    const reply = await details(userA.conversationId, {});
    expect(reply.status).toBe(401);
    expect(reply.body.error.data.code).toBe('UNAUTHORIZED');
  });

  it('answers details for the owner and an admin with 200', async () => {
    for (const [target, who] of [
      [userA.conversationId, { token: userA.token }],
      [userA.conversationId, { token: admin.token }],
      [guestA.conversationId, { guestId: guestA.guestId }],
      [guestA.conversationId, { token: admin.token }],
    ] as const) {
      const reply = await details(target, who);
      expect(reply.status).toBe(200);
      expect(reply.body.result.data.id).toBe(target);
    }
  });

  it('answers messages.list of another’s conversation with 404 and gives no messages away', async () => {
    const reply = await trpcQuery(server, 'messages.list', { conversationId: userA.conversationId }, { token: userB.token });
    expect(reply.status).toBe(404);
    expect(reply.body.result).toBeUndefined();
    expect(reply.body.error.message).toBe('Conversation not found');
  });
});
