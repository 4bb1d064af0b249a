import { z } from 'zod';

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
    userId: z.uuid().optional(),
    guestId: z.string().max(200).optional(),
    conversationId: z.uuid().optional(),
    deviceInfo: DeviceInfo.optional(),
  })
  .refine((i) => i.userId || i.guestId || i.conversationId, {
    message: 'Give a userId, a guestId or a conversationId',
    path: ['userId'],
  })
  .refine((i) => !(i.userId && i.guestId), { message: 'Give either userId or guestId, not both', path: ['guestId'] });

export const VerifyCodeInput = z.object({
  code: z.string().regex(/^\d{6}$/, 'code must be six digits'),
  userId: z.uuid().optional(),
  guestId: z.string().max(200).optional(),
});

export const GeneratedCodeSchema = z.object({
  code: z.string(),
  expiresAt: z.iso.datetime(),
  conversationId: z.uuid(),
});

export const VerifiedCodeSchema = z.object({
  authCodeId: z.uuid(),
  userId: z.uuid().optional(),
  guestId: z.string().optional(),
  conversationId: z.uuid().optional(),
});
