import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSupportRoutes, supportRoutes } from '../../src/rest/routes.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('API documents', () => {
  it('serves an OpenAPI 3.1 document that validates', async () => {
    const reply = await fetch(`${server.url}/api/support/openapi.json`);
    expect(reply.status).toBe(200);
    const document = (await reply.json()) as Record<string, unknown>;
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes every route the Koa router serves, and nothing it does not', async () => {
    const document = (await (await fetch(`${server.url}/api/support/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const served = createSupportRoutes(supportRoutes)
      .stack.flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`))
      .sort();
    const documented = Object.entries(document.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(served);
    // The spec's six paths are all there.
    for (const path of [
      'GET /api/support/conversation',
      'POST /api/support/conversation/guest',
      'GET /api/support/conversation/{id}/messages',
      'GET /api/support/conversation/{id}',
      'POST /api/support/onboarding/generate-code',
      'POST /api/support/onboarding/verify-code',
    ]) {
      expect(documented).toContain(path);
    }
  });

  it('takes its schemas from the procedures: a documented limit is the enforced one', async () => {
    const document = (await (await fetch(`${server.url}/api/support/openapi.json`)).json()) as any;
    const history = document.paths['/api/support/conversation/{id}/messages'].get;
    const before = history.parameters.find((p: { name: string }) => p.name === 'before');
    expect(before).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 0 } });
    const send = document.paths['/api/support/onboarding/verify-code'].post.requestBody.content['application/json'].schema;
    expect(send.required).toEqual(['code']);
    expect(send.properties.code.pattern).toBe('^\\d{6}$');
  });

  it('serves an AsyncAPI 3 document naming every socket event the server handles', async () => {
    const document = (await (await fetch(`${server.url}/api/support/asyncapi.json`)).json()) as any;
    expect(document.asyncapi).toBe('3.0.0');
    const names = Object.values(document.channels.support.messages).map((m: any) => m.name as string);
    // Every event a live server-side socket listens to is documented...
    const { socket } = await server.connect();
    const serverSocket = [...server.app.io.of('/support').sockets.values()][0]!;
    const handled = serverSocket.eventNames().map(String).filter((name) => name !== 'disconnect' && name !== 'disconnecting' && name !== 'error');
    expect(handled.length).toBeGreaterThanOrEqual(7);
    for (const event of handled) expect(names).toContain(event);
    // ...and so is every event the server sends.
    for (const event of ['connection:success', 'message:received', 'conversation:new_message', 'conversation:joined', 'conversation:left', 'message:error', 'conversation:updated', 'typing:start', 'message:read']) {
      expect(names).toContain(event);
    }
    for (const operation of Object.values(document.operations) as any[]) {
      expect(operation.messages[0].$ref).toMatch(/^#\/channels\/support\/messages\//);
      expect(document.channels.support.messages[operation.messages[0].$ref.split('/').at(-1)]).toBeDefined();
    }
    socket.disconnect();
  });
});
