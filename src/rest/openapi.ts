import { z } from 'zod';
import { jsonSchema } from './json-schema.js';
import type { RestRoute } from './routes.js';


const errorEnvelope = {
  type: 'object',
  required: ['success', 'message'],
  properties: {
    success: { const: false },
    message: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

const failures: Record<string, string> = {
  '400': 'Invalid input; `errors` names each field by its path',
  '401': 'No or bad credentials',
  '403': 'A known caller without the right',
  '404': 'Not found, or not yours',
  '409': 'Conflicts with the conversation’s state',
  '413': 'Body over 100 KB',
  '429': 'Rate limited; see Retry-After',
  '503': 'Database unreachable or the replica is draining; retry',
};

const security: Record<RestRoute['access'], Record<string, string[]>[]> = {
  anyone: [{}, { guestId: [] }, { bearer: [] }],
  'signed-in': [{ bearer: [] }, { guestId: [] }],
  'owner or admin': [{ bearer: [] }, { guestId: [] }],
  admin: [{ bearer: [] }],
};

/** The OpenAPI 3.1 document of the REST layer, generated from the same zod schemas the procedures use. */
export function openApiDocument(routes: RestRoute[], prefix = '/api/support') {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = prefix + route.path.replace(/:(\w+)/g, '{$1}');
    const input = route.input ? jsonSchema(route.input, 'input') : { type: 'object', properties: {} };
    const fromPath = new Set(Object.values(route.params ?? {}));
    const properties = Object.fromEntries(Object.entries(input.properties ?? {}).filter(([name]) => !fromPath.has(name)));
    const required = (input.required ?? []).filter((name) => !fromPath.has(name));
    const parameters: unknown[] = Object.keys(route.params ?? {}).map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string', format: 'uuid' },
    }));
    if (route.method === 'get') {
      for (const [name, schema] of Object.entries(properties)) {
        parameters.push({ name, in: 'query', required: required.includes(name), schema });
      }
    }
    const success = {
      type: 'object',
      required: ['success', 'data'],
      properties: { success: { const: true }, ...(route.message && { message: { const: route.message } }), data: jsonSchema(route.output, 'output') },
    };
    paths[path] ??= {};
    paths[path][route.method] = {
      summary: route.summary,
      description: `Who may call: ${route.access}.`,
      operationId: `${route.method}${route.path.replace(/[:/-](\w)/g, (_, c: string) => c.toUpperCase())}`,
      security: security[route.access],
      ...(parameters.length && { parameters }),
      ...(route.method === 'post' && {
        requestBody: {
          required: required.length > 0,
          content: { 'application/json': { schema: { type: 'object', properties, ...(required.length && { required }) } } },
        },
      }),
      responses: {
        [String(route.status ?? 200)]: { description: 'Success', content: { 'application/json': { schema: success } } },
        ...Object.fromEntries(
          Object.entries(failures).map(([status, description]) => [
            status,
            { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Failure' } } } },
          ]),
        ),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Support chat API',
      version: '1.0.0',
      description: 'REST under /api/support. Realtime events are described by the AsyncAPI document at /api/support/asyncapi.json.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: { Failure: errorEnvelope },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Users and admins' },
        guestId: { type: 'apiKey', in: 'header', name: 'X-Guest-Id', description: 'A guest id this server issued' },
      },
    },
  };
}
