import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAuthCodes } from '../../src/auth/auth-codes.js';
import { createEmailTokens } from '../../src/auth/email-tokens.js';
import { loadConfig } from '../../src/config.js';
import { createAttachmentFiles } from '../../src/files/attachment-files.js';
import { TRPCError } from '@trpc/server';
import { createGuestIds } from '../../src/auth/guest-id.js';
import { limitRulesFromEnv, Limits } from '../../src/router/limits.js';
import { createTokenVerifier } from '../../src/auth/jwt.js';
import { connectDatabase } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createContextInner, type Principal, type Services } from '../../src/router/context.js';
import { DomainEvents } from '../../src/router/events.js';
import { createCaller } from '../../src/router/index.js';
import { upsertProfile } from '../../src/db/users.js';
import { createScratchDatabase, GENEROUS_LIMITS, TEST_JWT_SECRET } from './server.js';

/** The procedures without any transport: a migrated database and callers for any principal. */
export async function startTestServices() {
  const scratch = process.env.DATABASE_URL ? await createScratchDatabase(process.env.DATABASE_URL) : undefined;
  const db = connectDatabase(scratch ? { kind: 'postgres', url: scratch.url } : { kind: 'pglite', dir: 'memory://' });
  await migrateToLatest(db);
  const services: Services = {
    db,
    events: new DomainEvents(),
    feed: new DomainEvents(),
    guestIds: createGuestIds('guest-secret-for-tests-0123456789abcdef'),
    verifyToken: createTokenVerifier({ key: { kind: 'secret', secret: TEST_JWT_SECRET } }),
    limits: new Limits(limitRulesFromEnv(GENEROUS_LIMITS)),
    authCodes: createAuthCodes('code-secret-for-tests-0123456789abcdef', 900, false),
    files: createAttachmentFiles(
      loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: mkdtempSync(path.join(tmpdir(), 'support-files-')) }).attachments,
      'link-secret-for-tests-0123456789abcdef',
    ),
    webhookTargets: { allowPrivate: false },
    unsubscribeTokens: createEmailTokens('unsubscribe-secret-for-tests-0123456789', 'email-unsubscribe'),
    calls: loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET, TURN_URLS: 'turn:127.0.0.1:3478', TURN_SECRET: 'turn-secret-for-tests-0123456789' }).calls,
    emailEnabled: false,
  };
  return {
    services,
    db,
    async callerFor(principal: Principal, connectionId?: string) {
      if (principal.type !== 'guest') {
        await upsertProfile(db, { id: principal.id, role: principal.type, email: null, firstName: null, lastName: null });
      }
      return createCaller(createContextInner(services, principal, { connectionId }));
    },
    anonymous: () => createCaller(createContextInner(services, null)),
    async close() {
      await db.destroy();
      await scratch?.drop();
    },
  };
}

/** The tRPC error code a call fails with, or 'OK'. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
  return 'OK';
}
