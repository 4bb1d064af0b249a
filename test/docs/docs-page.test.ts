import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supportRoutes } from '../../src/rest/routes.js';
import { attachmentTransferPaths } from '../../src/rest/attachment-routes.js';
import { emailLinkPaths } from '../../src/rest/email-links.js';
import { canRun } from '../support/requirements.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { launchBrowser, watch } from '../widget/browser.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('GET /api/support/docs', () => {
  it('is a page under the strict policy: scripts and styles from this origin only, nothing inline', async () => {
    const reply = await fetch(`${server.url}/api/support/docs`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const policy = reply.headers.get('content-security-policy')!;
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self';");
    expect(policy).toContain("style-src 'self';");
    expect(policy).not.toMatch(/unsafe-|https?:|\*/);
    const html = await reply.text();
    expect(html).not.toMatch(/<script>|<style|\sstyle=|\son\w+=/);
    expect(html.match(/(?:src|href)="[^"]+"/g)?.every((ref) => /="(\/|data:)/.test(ref))).toBe(true);
    // The widget demo page links to it.
    expect(await (await fetch(`${server.url}/`)).text()).toContain('href="/api/support/docs"');
  });

  it('serves the renderer from this origin, gzipped, with ETag revalidation', async () => {
    const path = '/api/support/docs/swagger-ui-bundle.js';
    const raw = await fetch(server.url + path, { headers: { 'Accept-Encoding': 'identity' } });
    const body = Buffer.from(await raw.arrayBuffer());
    expect(raw.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect(raw.headers.get('vary')).toContain('Accept-Encoding');
    // Node's fetch inflates gzip itself: node:http shows the bytes as sent.
    const gz = await new Promise<{ headers: Record<string, unknown>; bytes: Buffer }>((resolve, reject) => {
      request(server.url + path, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ headers: res.headers, bytes: Buffer.concat(chunks) }));
      })
        .on('error', reject)
        .end();
    });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.bytes).equals(body)).toBe(true);
    expect(gz.headers.etag).not.toBe(raw.headers.get('etag'));
    console.log(`swagger-ui-bundle.js: ${body.length} bytes, ${gz.bytes.length} gzipped`);
    const again = await fetch(server.url + path, { headers: { 'If-None-Match': raw.headers.get('etag')!, 'Accept-Encoding': 'identity', 'Cache-Control': 'max-age=0' } });
    expect(again.status).toBe(304);
    expect((await fetch(`${server.url}/api/support/docs/nothing.js`)).status).toBe(404);
  });

});

describe.runIf(canRun('browser'))('GET /api/support/docs in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());

  it('renders every operation in real Chromium, with no CSP violation, error or outside request', async () => {
    const page = await browser.newPage();
    const seen = watch(page);
    const outside: string[] = [];
    const policyErrors: string[] = [];
    page.on('request', (r) => void (r.url().startsWith(server.url) || r.url().startsWith('data:') || outside.push(r.url())));
    page.on('console', (m) => void (/Content Security Policy/i.test(m.text()) && policyErrors.push(m.text())));
    await page.addInitScript(() => {
      const g = globalThis as any;
      g.violations = [];
      g.document.addEventListener('securitypolicyviolation', (e: any) => g.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await page.goto(`${server.url}/api/support/docs`);
    await page.locator('.opblock').first().waitFor();
    const extraOperations = Object.values({ ...attachmentTransferPaths, ...emailLinkPaths }).reduce((n, path) => n + Object.keys(path).length, 0);
    expect(await page.locator('.opblock').count()).toBe(supportRoutes.length + extraOperations);
    for (const tag of ['Conversations', 'Messages', 'Onboarding', 'Inbox', 'Agents', 'Webhooks', 'Privacy']) expect(await page.locator(`.opblock-tag[data-tag="${tag}"]`).count(), tag).toBe(1);

    // An operation opens on its description, its fields and an example reply.
    await page.locator('.opblock-summary', { hasText: '/api/support/onboarding/verify-code' }).click();
    const operation = page.locator('.opblock.is-open');
    await operation.locator('.responses-table').first().waitFor();
    const text = await operation.innerText();
    expect(text).toContain('Every failed check answers 200');
    expect(text).toContain('Code verified successfully');
    expect(text).toContain('Too many requests, try again later');

    const violations = await page.evaluate(() => (globalThis as any).violations as string[]);
    expect({ violations, policyErrors, outside, errors: seen.errors }).toEqual({ violations: [], policyErrors: [], outside: [], errors: [] });
    await page.close();
  });
});
