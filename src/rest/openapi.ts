import { failureKinds, type FailureKind } from '../router/errors.js';
import { apiInfo, exampleFor, exampleOf, failureEnvelope, schemaCollector, successEnvelope, type JsonSchema } from './json-schema.js';
import { takesBody, type Access, type RestRoute, type Tag } from './route.js';

const tags: Record<Tag, string> = {
  Conversations: 'A customer’s own conversations: start one (as a user or a guest) and read it',
  Messages: 'Message history, paged by seq. Sending is realtime: see the `message:send` socket event',
  Attachments: 'Files in conversations: announce, upload, complete, then send with `message:send`; downloads by signed link with the caller’s credentials',
  Onboarding: 'Six-digit codes an agent sends to a customer, and their check',
  Inbox: 'The agents’ side: list, count, assign, prioritise and close conversations',
  Agents: 'The agents’ workspace: private notes, saved replies, presence and the customer panel',
  Privacy: 'Data requests: export and erase a customer’s data, and the audit log of both',
  Calls: 'Call requests and in-app calls: the record, and WebRTC signalling between the call’s two parties (the media never passes through the server)',
  Webhooks: 'Signed events to the team’s other systems (CRM, Slack, ticketing), from a durable outbox',
};

const access: Record<Access, string> = {
  anyone: 'Anyone may call it, with or without credentials.',
  'signed-in': 'Any signed-in caller: a user or an admin (Bearer JWT) or a guest (X-Guest-Id).',
  'owner or admin': 'The conversation’s owner or any admin; anyone else gets 404, as if it did not exist.',
  admin: 'Admins (agents) only.',
};

const security: Record<Access, Record<string, string[]>[]> = {
  anyone: [{}, { guestId: [] }, { bearer: [] }],
  'signed-in': [{ bearer: [] }, { guestId: [] }],
  'owner or admin': [{ bearer: [] }, { guestId: [] }],
  admin: [{ bearer: [] }],
};

const failureName = (kind: FailureKind) => kind.code.toLowerCase().replace(/(?:^|_)(\w)/g, (_, c: string) => c.toUpperCase());
const restFailures = failureKinds.filter((kind) => kind.status !== undefined);

/** The documented responses of these statuses, for paths written by hand (the streaming ones). */
export const failureResponses = (statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [String(status), { $ref: `#/components/responses/${failureName(restFailures.find((kind) => kind.status === status)!)}` }]),
  );

/** The failures a route can answer: 403 needs a role to lack, 413 a body to be too large, 415 a file. */
function failuresOf(route: RestRoute) {
  return restFailures.filter(
    (kind) =>
      (kind.status !== 403 || route.access === 'admin') && (kind.status !== 413 || takesBody(route.method)) && (kind.status !== 415 || route.tag === 'Attachments'),
  );
}

function failureResponse(kind: FailureKind) {
  const example = { success: false, message: kind.message, ...(kind.code === 'BAD_REQUEST' && { errors: [{ field: 'code', message: 'code must be six digits' }] }) };
  return {
    description: kind.description,
    ...(kind.retryAfter && { headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } } } }),
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Failure' }, example } },
  };
}

/** The OpenAPI 3.1 document of the REST layer, generated from the same zod schemas the procedures use. */
export function openApiDocument(routes: RestRoute[], extraPaths: Record<string, Record<string, unknown>> = {}, prefix = '/api/support') {
  const schemas = schemaCollector();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = prefix + route.path.replace(/:(\w+)/g, '{$1}');
    const input: JsonSchema = route.input ? schemas.toJson(route.input, 'input') : { type: 'object', properties: {} };
    const fromPath = new Set(Object.values(route.params ?? {}));
    const properties = Object.fromEntries(Object.entries(input.properties ?? {}).filter(([name]) => !fromPath.has(name)));
    const required = (input.required ?? []).filter((name) => !fromPath.has(name));
    const parameters: unknown[] = Object.entries(route.params ?? {}).map(([name, field]) => {
      const schema = input.properties?.[field] ?? { type: 'string', format: 'uuid', description: 'The conversation' };
      return { name, in: 'path', required: true, description: schema.description, schema };
    });
    if (route.method === 'get') {
      for (const [name, schema] of Object.entries(properties)) {
        parameters.push({ name, in: 'query', required: required.includes(name), description: schema.description, schema });
      }
    }
    const data = schemas.toJson(route.output, 'output');
    const success = successEnvelope(data, route.message);
    const body = { type: 'object', properties, ...(required.length && { required }) };
    const example = route.input && (exampleFor(route.input, body, schemas.components) as Record<string, unknown> | undefined);
    const bodyExample = example && Object.fromEntries(Object.entries(example).filter(([name]) => !fromPath.has(name)));
    paths[path] ??= {};
    paths[path][route.method] = {
      tags: [route.tag],
      summary: route.summary,
      description: [route.description, access[route.access]].filter(Boolean).join('\n\n'),
      operationId: `${route.method}${route.path.replace(/[:/-](\w)/g, (_, c: string) => c.toUpperCase())}`,
      security: security[route.access],
      ...(parameters.length && { parameters }),
      // A POST whose input all comes from the path (unassign) takes no body.
      ...(takesBody(route.method) && Object.keys(properties).length > 0 && {
        requestBody: {
          required: required.length > 0,
          content: { 'application/json': { schema: body, ...(bodyExample && { example: bodyExample }) } },
        },
      }),
      responses: {
        [String(route.status ?? 200)]: {
          description: resolve(data, schemas.components).description ?? 'Success',
          content: { 'application/json': { schema: success, example: exampleOf(success, schemas.components) } },
        },
        ...Object.fromEntries(failuresOf(route).map((kind) => [String(kind.status), { $ref: `#/components/responses/${failureName(kind)}` }])),
      },
    };
  }
  Object.assign(paths, extraPaths);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Support chat API',
      ...apiInfo,
      description: [
        'REST under `/api/support`: every answer is an envelope, `{"success": true, "data": …}` or `{"success": false, "message": …}`.',
        'Realtime (Socket.IO, namespace `/support`) is described by the AsyncAPI document at [/api/support/asyncapi.json](/api/support/asyncapi.json).',
      ].join('\n\n'),
    },
    servers: [{ url: '/', description: 'This server' }],
    tags: Object.entries(tags).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: { ...schemas.components, Failure: failureEnvelope },
      responses: Object.fromEntries(restFailures.map((kind) => [failureName(kind), failureResponse(kind)])),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Users and admins: a JWT with the role claim' },
        guestId: { type: 'apiKey', in: 'header', name: 'X-Guest-Id', description: 'Guests: a guest id this server issued' },
      },
    },
  };
}

const resolve = (schema: JsonSchema, components: Record<string, JsonSchema>): JsonSchema =>
  typeof schema.$ref === 'string' ? (components[schema.$ref.split('/').at(-1)!] ?? schema) : schema;
