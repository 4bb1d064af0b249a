import { z } from 'zod';

export type JsonSchema = Record<string, any> & { properties?: Record<string, JsonSchema>; required?: string[] };

/**
 * zod 4's own JSON Schema output (draft 2020-12, which OpenAPI 3.1 speaks natively). A schema
 * named with `.meta({ id })` goes once into `components` (zod would repeat it in the `$defs`
 * of every schema that uses it) and is referenced as `#/components/schemas/<id>` everywhere.
 */
export function schemaCollector() {
  const components: Record<string, JsonSchema> = {};
  function toJson(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const generated = JSON.stringify(z.toJSONSchema(schema, { io, unrepresentable: 'any' })).replaceAll('"#/$defs/', '"#/components/schemas/');
    const { $schema: _dialect, $defs, ...rest } = JSON.parse(generated) as JsonSchema;
    for (const [id, definition] of Object.entries<JsonSchema>($defs ?? {})) {
      // One name, one shape: the same id used for input and output would have to differ.
      if (components[id] && JSON.stringify(components[id]) !== JSON.stringify(definition)) throw new Error(`Schema ${id} has two shapes`);
      components[id] = definition;
    }
    return rest;
  }
  return { toJson, components };
}

/**
 * An example of a schema, made of the examples its parts carry (`.meta({ examples })`), so a
 * wrapper (the success envelope, a page of messages) needs none of its own. Undefined when a
 * required part has none.
 */
export function exampleOf(schema: JsonSchema | undefined, components: Record<string, JsonSchema>): unknown {
  if (!schema) return undefined;
  if (schema.examples?.length) return schema.examples[0];
  if (schema.const !== undefined) return schema.const;
  if (typeof schema.$ref === 'string') return exampleOf(components[schema.$ref.split('/').at(-1)!], components);
  if (schema.anyOf) return exampleOf((schema.anyOf as JsonSchema[]).find((s) => s.type !== 'null'), components);
  if (schema.type === 'array') {
    const item = exampleOf(schema.items, components);
    return item === undefined ? undefined : [item];
  }
  if (schema.type !== 'object' || !schema.properties) return undefined;
  const example: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema.properties)) {
    const value = exampleOf(property, components);
    if (value !== undefined) example[name] = value;
    else if (schema.required?.includes(name)) return undefined;
  }
  return example;
}

/**
 * The example of a payload: its own (zod leaves examples out of a transforming schema's input
 * JSON, so they are read from the zod meta), else one made of its parts'.
 */
export function exampleFor(schema: z.ZodType, json: JsonSchema, components: Record<string, JsonSchema>): unknown {
  const own = schema.meta()?.examples as unknown[] | undefined;
  return own?.[0] ?? exampleOf(json, components);
}

/** The success envelope around `data`, with the constant `message` some REST answers carry. */
export function successEnvelope(data: JsonSchema, message?: string): JsonSchema {
  return {
    type: 'object',
    required: ['success', 'data'],
    properties: {
      success: { const: true, description: 'Always true' },
      ...(message && { message: { const: message, description: 'Always this text' } }),
      data,
    },
  };
}

/** The failure envelope: REST answers and socket acknowledgements alike. */
export const failureEnvelope = {
  type: 'object',
  description: 'Every failure, on REST and in socket acknowledgements',
  required: ['success', 'message'],
  properties: {
    success: { const: false, description: 'Always false' },
    message: { type: 'string', description: 'What went wrong, for people' },
    errors: {
      type: 'array',
      description: 'Only for invalid input: one entry per invalid field',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: {
          field: { type: 'string', description: 'The field’s path, dot-separated (`body` for the whole input)' },
          message: { type: 'string', description: 'What is wrong with it' },
        },
      },
    },
  },
};

/** What both documents say about the API as a whole. */
export const apiInfo = {
  version: '1.0.0',
  contact: { name: 'Support chat maintainers' },
  license: { name: 'Proprietary' },
};
