import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRun, SHARED_PG_URL } from '../support/requirements.js';
import { createScratchDatabase, person, request, startTestServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';

let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let proxy: TcpProxy;
let server: TestServer;

beforeAll(async () => {
  scratch = await createScratchDatabase(SHARED_PG_URL);
  proxy = new TcpProxy('127.0.0.1', Number(new URL(scratch.url).port || 5432));
  await proxy.start();
  server = await startTestServer({ DATABASE_URL: proxy.urlFor(scratch.url) });
});
afterAll(async () => {
  await server?.close();
  await proxy?.stop();
  await scratch?.drop();
});

function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe.runIf(canRun('metrics'))('probes and metrics', () => {
  it('counts the messages a test sent, the sockets connected and the requests served', async () => {
    const before = await (await fetch(`${server.url}/metrics`)).text();
    const { guestId, conversation } = (await request(server, '/api/support/conversation/guest', { body: {} })).body.data;
    const { socket } = await server.connect({ guestId });
    for (let i = 0; i < 3; i++) {
      expect((await socket.emitWithAck('message:send', { conversationId: conversation.id, message: `m${i}` })).success).toBe(true);
    }
    const response = await fetch(`${server.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const after = await response.text();
    const stored = (text: string) => metric(text, 'support_messages_stored_total', 'sender_type="guest"');
    expect(stored(after) - stored(before)).toBe(3);
    expect(metric(after, 'support_connected_sockets', 'type="guest"')).toBe(1);
    expect(after).toContain('support_socket_event_seconds_count{event="message:send",outcome="ok"} 3');
    expect(after).toMatch(/support_http_request_seconds_count\{method="POST",route="\/api\/support\/conversation\/guest",status="200"\} [1-9]/);
    expect(after).toContain('nodejs_eventloop_lag_seconds');
    expect(after).toMatch(/support_db_pool_connections\{state="total"\} [1-9]/);
  });

  it('is not ready while the database is down, and serves again when it returns, without a restart', async () => {
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    await proxy.stop();
    const down = await fetch(`${server.url}/readyz`);
    expect(down.status).toBe(503);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200); // alive, just not ready

    const user = await person('user');
    const rest = await request(server, '/api/support/conversation', { token: user.token });
    expect(rest.status).toBe(503);
    expect(rest.body).toEqual({ success: false, message: expect.any(String) });

    await proxy.start();
    let ready = 0;
    for (let i = 0; i < 50 && ready !== 200; i++) {
      ready = (await fetch(`${server.url}/readyz`)).status;
      if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(ready).toBe(200);
    expect((await request(server, '/api/support/conversation', { token: user.token })).status).toBe(200);
  });
});
