import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSupportRoutes, supportRoutes } from '../../src/rest/routes.js';
import { createAttachmentTransfers } from '../../src/rest/attachment-routes.js';
import { createEmailLinkRoutes } from '../../src/rest/email-links.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** Paths of schema properties that say nothing: no description of their own or of the schema they reference. */
function undescribed(document: any): string[] {
  const components = { ...document.components?.schemas };
  const described = (schema: any): boolean =>
    Boolean(schema?.description) ||
    (typeof schema?.$ref === 'string' && described(components[schema.$ref.split('/').at(-1)])) ||
    (Array.isArray(schema?.anyOf) && schema.anyOf.some((s: any) => s.type !== 'null' && described(s)));
  const found: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'properties' && value && typeof value === 'object' && !Array.isArray(value)) {
        for (const [name, schema] of Object.entries(value)) if (!described(schema)) found.push(`${path}.${name}`);
      }
      walk(value, `${path}.${key}`);
    }
  };
  walk(document, '$');
  return found;
}

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
    const served = [...createSupportRoutes(supportRoutes).stack, ...createAttachmentTransfers(server.app.services.files).stack, ...createEmailLinkRoutes().stack].flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`))
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
    expect(document.asyncapi).toBe('3.1.0');
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

  it('describes every field, operation and event, and gives examples of the payloads', async () => {
    const openapi = (await (await fetch(`${server.url}/api/support/openapi.json`)).json()) as any;
    const asyncapi = (await (await fetch(`${server.url}/api/support/asyncapi.json`)).json()) as any;
    expect(undescribed(openapi)).toEqual([]);
    expect(undescribed(asyncapi)).toEqual([]);
    for (const [path, operations] of Object.entries<any>(openapi.paths)) {
      for (const [method, operation] of Object.entries<any>(operations)) {
        const where = `${method} ${path}`;
        expect(operation.tags, where).toHaveLength(1);
        expect(operation.description, where).toBeTruthy();
        const success = Object.entries<any>(operation.responses).find(([status]) => status.startsWith('2'))![1];
        // Downloads answer the file itself, the unsubscribe link a page; everything else the envelope.
        if (success.content['application/json']) expect(success.content['application/json'].example, where).toMatchObject({ success: true });
        else expect([['application/octet-stream'], ['text/html']], where).toContainEqual(Object.keys(success.content));
        if (operation.requestBody?.content['application/json']) expect(operation.requestBody.content['application/json'].example, where).toBeDefined();
        for (const parameter of operation.parameters ?? []) expect(parameter.description, `${where} ${parameter.name}`).toBeTruthy();
      }
    }
    for (const operation of Object.values<any>(asyncapi.operations)) expect(operation.description).toBeTruthy();
    for (const [key, message] of Object.entries<any>(asyncapi.channels.support.messages)) expect(message.examples?.[0]?.payload, key).toBeDefined();
  });

  it('documents each failure: the envelope, every REST status, every socket error code', async () => {
    const openapi = (await (await fetch(`${server.url}/api/support/openapi.json`)).json()) as any;
    const asyncapi = (await (await fetch(`${server.url}/api/support/asyncapi.json`)).json()) as any;
    expect(Object.keys(openapi.components.schemas.Failure.properties)).toEqual(['success', 'message', 'errors']);
    const statuses = Object.values<any>(openapi.components.responses).map((r) => r.content['application/json'].example);
    expect(statuses.every((example) => example.success === false && example.message)).toBe(true);
    const generate = openapi.paths['/api/support/onboarding/generate-code'].post.responses;
    expect(Object.keys(generate)).toEqual(['201', '400', '401', '403', '404', '409', '413', '429', '500', '503']);
    // A route any caller may use cannot answer 403, and a GET carries no body to be too large.
    expect(Object.keys(openapi.paths['/api/support/conversation'].get.responses)).not.toContain('403');
    expect(Object.keys(openapi.paths['/api/support/conversation'].get.responses)).not.toContain('413');
    const codes = asyncapi.channels.support.messages.server_message_error.payload.properties.code;
    expect(codes.enum).toEqual(expect.arrayContaining(['BAD_REQUEST', 'NOT_FOUND', 'CONFLICT', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE', 'TOKEN_EXPIRED']));
    for (const code of codes.enum) expect(codes.description).toContain(`${code}: `);
  });
});
