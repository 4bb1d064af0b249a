import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guestWithConversation } from '../rest/helpers.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { announce, complete, putBytes, textFile } from './helpers.js';

/**
 * The bucket goes away between an upload and its `complete`: the caller is told to retry
 * (503, not a 500), and the retry once the bucket is back checks the file as if nothing
 * happened (the check's claim was given back).
 */
describe('the object store down at complete', () => {
  const directory = mkdtempSync(path.join(tmpdir(), 's3rver-outage-'));
  const bucket = (port: number) => new S3rver({ port, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: 'attachments', configs: [] }] });
  let s3: S3rver;
  let port: number;
  let server: TestServer;

  beforeAll(async () => {
    s3 = bucket(0);
    ({ port } = await s3.run());
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    server = await startTestServer({ S3_BUCKET: 'attachments', S3_ENDPOINT: `http://127.0.0.1:${port}`, S3_REGION: 'us-east-1' });
  });
  afterAll(async () => {
    await server.close();
    await s3.close();
  });

  it('answers 503 while the bucket is unreachable, and the retry after it is back succeeds', async () => {
    const guest = await guestWithConversation(server);
    const owner = { guestId: guest.guestId };
    const file = textFile('outage.txt');
    const created = await announce(server, owner, guest.conversationId, file);
    expect((await putBytes(server, created, file.bytes)).status).toBe(200);
    const id = created.body.data.attachmentId;

    await s3.close();
    const refused = await complete(server, owner, id);
    expect(refused.status, JSON.stringify(refused.body)).toBe(503);
    expect(refused.body).toMatchObject({ success: false });

    s3 = bucket(port);
    await s3.run();
    const completed = await complete(server, owner, id);
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    expect(completed.body.data).toMatchObject({ id, name: 'outage.txt', size: file.bytes.length, contentType: 'text/plain' });
  });
});
