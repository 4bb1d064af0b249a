import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guestWithConversation } from '../rest/helpers.js';
import type { TestServer } from '../support/server.js';
import { announce, complete, putBytes, startServerOnS3, textFile } from './helpers.js';

/**
 * The bucket goes away between an upload and its `complete`: the caller is told to retry
 * (503, not a 500), and the retry once the bucket is back checks the file as if nothing
 * happened (the check's claim was given back).
 */
describe('the object store down at complete', () => {
  let server: TestServer;
  let s3: Awaited<ReturnType<typeof startServerOnS3>>['s3'];
  beforeAll(async () => {
    ({ server, s3 } = await startServerOnS3());
  });
  afterAll(() => server.close());

  it('answers 503 while the bucket is unreachable, and the retry after it is back succeeds', async () => {
    const guest = await guestWithConversation(server);
    const owner = { guestId: guest.guestId };
    const file = textFile('outage.txt');
    const created = await announce(server, owner, guest.conversationId, file);
    expect((await putBytes(server, created, file.bytes)).status).toBe(200);
    const id = created.body.data.attachmentId;

    await s3.stop();
    const refused = await complete(server, owner, id);
    expect(refused.status, JSON.stringify(refused.body)).toBe(503);
    expect(refused.body).toMatchObject({ success: false });

    await s3.start();
    const completed = await complete(server, owner, id);
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    expect(completed.body.data).toMatchObject({ id, name: 'outage.txt', size: file.bytes.length, contentType: 'text/plain' });
  });
});
