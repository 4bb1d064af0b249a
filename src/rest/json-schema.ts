import { z } from 'zod';

export type JsonSchema = Record<string, unknown> & { properties?: Record<string, unknown>; required?: string[] };

/** zod 4's own JSON Schema output (draft 2020-12, which OpenAPI 3.1 speaks natively). */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}
