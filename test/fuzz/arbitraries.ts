import { randomUUID } from 'node:crypto';
import fc from 'fast-check';

/**
 * Hostile input for the fuzzers: JSON of random shapes and sizes, wrong types, huge
 * strings, prototype-pollution keys, and values that are almost right (real ids of real
 * conversations, valid tokens) so that the generated calls reach past validation too.
 */

/** An object as a list of entries, so keys such as `__proto__` survive until serialised. */
export class Entries {
  constructor(readonly entries: [string, Json][]) {}
}
export type Json = null | boolean | number | string | Json[] | Entries;

/** JSON text with every key written as given (JSON.stringify would drop a `__proto__` key of a literal). */
export function serialize(value: Json): string {
  if (value instanceof Entries) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(serialize).join(',')}]`;
  return JSON.stringify(value) ?? 'null';
}

/** The value a JSON body parser would hand the server: `__proto__` as an own key, not a prototype. */
export const materialize = (value: Json): unknown => JSON.parse(serialize(value));

export const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', '__defineGetter__'];
export const FIELD_NAMES = [
  'conversationId',
  'message',
  'messageType',
  'clientMessageId',
  'messageId',
  'afterSeq',
  'limit',
  'page',
  'before',
  'after',
  'type',
  'subject',
  'code',
  'userId',
  'guestId',
  'deviceInfo',
  'isTyping',
  'token',
  'text',
  'noteId',
  'title',
  'id',
  'state',
];

/** Ids, tokens and words the server knows, handed in by the test after it made them. */
export interface Known {
  conversationIds: string[];
  guestIds: string[];
  userIds: string[];
  messageIds: string[];
  tokens: string[];
}

export const hugeString = fc
  .tuple(fc.integer({ min: 1_000, max: 40_000 }), fc.constantFrom('x', 'é', '😀', '\u0000', '"', '\\', '<script>'))
  .map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length)));

export function scalar(known: Known): fc.Arbitrary<Json> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 2, arbitrary: fc.integer() },
    fc.double().map((d) => (Number.isFinite(d) ? d : null)),
    fc.constantFrom<Json>(0, -1, 1, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, 0.5, '', ' ', '0', '-1', '1e3', 'NaN', 'null', 'true', '[]', '{}'),
    fc.boolean(),
    fc.constant(null),
    { weight: 3, arbitrary: fc.constantFrom<Json>(...knownWords(known)) },
    { weight: 1, arbitrary: hugeString },
  );
}

function knownWords(known: Known): string[] {
  return [
    ...known.conversationIds,
    ...known.guestIds,
    ...known.userIds,
    ...known.messageIds,
    randomUUID(),
    '00000000-0000-0000-0000-000000000000',
    'general',
    'billing',
    'text',
    'file',
    'system',
    'auth_code',
    '123456',
    '000000',
    `guest_${Date.now()}_${'ab'.repeat(26)}`,
    'hello',
  ];
}

/** Any JSON: nested arrays and objects whose keys are field names, pollution keys or noise. */
export function jsonValue(known: Known, maxDepth = 4): fc.Arbitrary<Json> {
  const key = fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.constantFrom(...POLLUTION_KEYS), fc.string({ unit: 'binary', maxLength: 12 }));
  const { value } = fc.letrec<{ value: Json }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth, withCrossShrink: true },
      scalar(known),
      fc.array(tie('value'), { maxLength: 6 }),
      fc.array(fc.tuple(key, tie('value')), { maxLength: 8 }).map((entries) => new Entries(entries)),
    ),
  }));
  return value;
}

/**
 * What a client event or request body usually is: an object, mostly with the field names
 * the server reads, their values of any type (or the right one), plus hostile keys.
 */
export function payload(known: Known): fc.Arbitrary<Json> {
  const field = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...FIELD_NAMES), fc.oneof(scalar(known), jsonValue(known, 2))) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...POLLUTION_KEYS), jsonValue(known, 3)) },
    { weight: 1, arbitrary: fc.tuple(fc.string({ unit: 'binary', maxLength: 12 }), scalar(known)) },
  );
  return fc.oneof(
    { weight: 5, arbitrary: fc.array(field, { maxLength: 8 }).map((entries) => new Entries(entries)) },
    { weight: 2, arbitrary: jsonValue(known) },
  );
}

/** Printable header text: what an HTTP client can put on the wire (no CR, LF or NUL). */
export const headerText = fc
  .string({ unit: fc.integer({ min: 0x20, max: 0xfe }).map((c) => String.fromCharCode(c >= 0x7f ? c + 1 : c)), maxLength: 300 })
  .map((s) => s.trim());

/** Mostly real credentials (so calls get past authentication), else broken ones. */
export function authorization(known: Known): fc.Arbitrary<string | undefined> {
  const [user, admin, ...odd] = known.tokens;
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: fc.constantFrom(user!, admin!).map((t) => `Bearer ${t}`) },
    { weight: 2, arbitrary: fc.constantFrom(...odd).map((t) => `Bearer ${t}`) },
    { weight: 1, arbitrary: headerText },
    { weight: 1, arbitrary: headerText.map((s) => `Bearer ${s}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer a.b.c', 'bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', `Bearer ${user!.slice(0, -3)}abc`),
    },
  );
}

export function guestHeader(known: Known): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fc.constantFrom(...known.guestIds) },
    { weight: 1, arbitrary: headerText },
    { weight: 1, arbitrary: fc.constantFrom(...known.guestIds).map((g) => `${g.slice(0, -1)}${g.endsWith('0') ? '1' : '0'}`) },
  );
}

/**
 * Inputs one mutation away from valid: every field a client event or body reads, mostly
 * with a value of the right type (real ids), sometimes with anything, plus a stray key.
 */
export function nearlyValid(known: Known): fc.Arbitrary<Json> {
  const either = (right: fc.Arbitrary<Json>) => fc.oneof({ weight: 4, arbitrary: right }, { weight: 1, arbitrary: scalar(known) });
  const fields = {
    conversationId: either(fc.constantFrom(...known.conversationIds)),
    message: either(fc.string({ minLength: 1, maxLength: 200 })),
    messageType: either(fc.constantFrom('text', 'file', 'system')),
    clientMessageId: either(fc.uuid().map(String)),
    messageId: either(fc.constantFrom(...known.messageIds)),
    afterSeq: either(fc.nat({ max: 10 })),
    limit: either(fc.integer({ min: -5, max: 500 })),
    type: either(fc.constantFrom('general', 'billing', 'technical')),
    subject: either(fc.string({ maxLength: 250 })),
    code: either(fc.stringMatching(/^\d{6}$/)),
    guestId: either(fc.constantFrom(...known.guestIds)),
  };
  return fc
    .tuple(fc.record(fields, { requiredKeys: [] }), fc.option(fc.tuple(fc.constantFrom(...POLLUTION_KEYS), jsonValue(known, 2)), { nil: undefined }))
    .map(([record, stray]) => new Entries([...Object.entries(record), ...(stray ? [stray] : [])] as [string, Json][]));
}
