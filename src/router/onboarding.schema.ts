import { z } from 'zod';
import { exampleIds } from './examples.js';

/** The spec sends deviceInfo as a JSON string; it is kept as JSON. An object is accepted too. */
const DeviceInfo = z.union([
  z
    .string()
    .max(4_000)
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'deviceInfo must be a JSON string' });
        return z.NEVER;
      }
    }),
  z.record(z.string(), z.unknown()).refine((o) => JSON.stringify(o).length <= 4_000, 'deviceInfo is too large'),
]);

export const GenerateCodeInput = z
  .object({
    userId: z.uuid().optional().describe('The user the code is for'),
    guestId: z.string().max(200).optional().describe('The guest the code is for (a guest id this server issued)'),
    conversationId: z.uuid().optional().describe('Post the code in this conversation; by default the owner’s newest open one, or a new onboarding one'),
    deviceInfo: DeviceInfo.optional().describe('The device the code is meant for, as a JSON string (or object), kept with the code'),
  })
  .meta({
    description: 'Who gets the code: a userId, a guestId or a conversationId (its owner)',
    examples: [{ userId: exampleIds.user, deviceInfo: '{"platform":"ios","model":"iPhone 15"}' }],
  })
  .refine((i) => i.userId || i.guestId || i.conversationId, {
    message: 'Give a userId, a guestId or a conversationId',
    path: ['userId'],
  })
  .refine((i) => !(i.userId && i.guestId), { message: 'Give either userId or guestId, not both', path: ['guestId'] });

export const VerifyCodeInput = z.object({
  code: z.string().regex(/^\d{6}$/, 'code must be six digits').describe('The six digits the owner received'),
  userId: z.uuid().optional().describe('The user the code was sent to (required when AUTH_CODE_REQUIRE_OWNER is on)'),
  guestId: z.string().max(200).optional().describe('The guest the code was sent to (instead of userId)'),
}).meta({ examples: [{ code: '042917', userId: exampleIds.user }] });

export const GeneratedCodeSchema = z.object({
  code: z.string().describe('Six digits; also sent live to the owner’s sockets as an auth_code message'),
  expiresAt: z.iso.datetime().describe('When the code stops working (AUTH_CODE_TTL_SECONDS after now)'),
  conversationId: z.uuid().describe('The conversation the code was posted in'),
}).meta({
  id: 'GeneratedCode',
  description: 'A new onboarding code',
  examples: [{ code: '042917', expiresAt: '2026-12-01T09:45:00.000Z', conversationId: exampleIds.conversation }],
});

export const VerifiedCodeSchema = z.object({
  authCodeId: z.uuid().describe('The code spent (each code works once)'),
  userId: z.uuid().optional().describe('The user it was for'),
  guestId: z.string().optional().describe('The guest it was for'),
  conversationId: z.uuid().optional().describe('The conversation it was posted in'),
}).meta({
  id: 'VerifiedCode',
  description: 'A spent onboarding code',
  examples: [{ authCodeId: exampleIds.authCode, userId: exampleIds.user, conversationId: exampleIds.conversation }],
});
