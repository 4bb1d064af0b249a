import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepAttachments } from '../../src/router/attachments.js';
import { NOTHING_STORED, sendFiles, startServerOnS3, storedSizes, textFile, uploaded } from '../attachments/helpers.js';
import { guestWithConversation } from '../rest/helpers.js';
import { person, request, type TestServer } from '../support/server.js';

/**
 * The bucket is unreachable when an erasure removes the customer's files: the erasure still
 * answers (the rows are gone, nothing links to the bytes), and the bytes are removed by a
 * later sweep once the bucket is back, not left there for good.
 */
describe('an erasure while the object store is down', () => {
  let server: TestServer;
  let s3: Awaited<ReturnType<typeof startServerOnS3>>['s3'];
  beforeAll(async () => {
    ({ server, s3 } = await startServerOnS3());
  });
  afterAll(() => server.close());

  it('removes the erased files’ bytes at a retry once the store is back', async () => {
    const admin = await person('admin');
    const guest = await guestWithConversation(server);
    const { socket } = await server.connect({ guestId: guest.guestId });
    const file = await uploaded(server, { guestId: guest.guestId }, guest.conversationId, textFile('receipt.txt', 'paid 12.00\n'));
    expect(await sendFiles(socket, guest.conversationId, [file.id])).toMatchObject({ success: true });

    await s3.stop();
    const erased = await request(server, '/api/support/admin/data-requests/erase', { token: admin.token, body: { guestId: guest.guestId, confirm: true } });
    expect(erased.body).toMatchObject({ success: true, data: { files: 1 } });
    await s3.start();
    expect((await storedSizes(server, file.id)).file, 'the removal failed: the bytes are still there').toBe(file.size);

    // The retry waits its turn (backing off from a store that just failed)...
    await sweepAttachments(server.app.services);
    expect((await storedSizes(server, file.id)).file).toBe(file.size);
    // ...which comes: the sweep after it removes them.
    await sql`update file_removals set next_attempt_at = now()`.execute(server.db);
    await sweepAttachments(server.app.services);
    expect(await storedSizes(server, file.id)).toEqual(NOTHING_STORED);
    expect((await sql<{ n: number }>`select count(*)::int as n from file_removals`.execute(server.db)).rows[0]!.n, 'nothing left to remove').toBe(0);
  });
});
