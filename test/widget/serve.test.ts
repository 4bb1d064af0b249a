import { readdir, readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWidgetRoutes, WIDGET_FILE } from '../../src/rest/widget.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** The budget: the whole script, socket.io-client included, gzipped. */
const BUDGET_GZIP_BYTES = 40 * 1024;
const WIDGET_SRC = new URL('../../widget/src/', import.meta.url);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe('GET /widget.js', () => {
  it('serves the built bundle as JavaScript with cache headers and ETag revalidation', async () => {
    const built = await readFile(WIDGET_FILE);
    const response = await fetch(`${server.url}/widget.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(Buffer.from(await response.arrayBuffer()).equals(built)).toBe(true);

    const etag = response.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    // What a browser sends to revalidate (fetch() alone would add Cache-Control: no-cache).
    const again = await fetch(`${server.url}/widget.js`, { headers: { 'If-None-Match': etag!, 'Cache-Control': 'max-age=0' } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('stays within the 40 KB gzipped budget, socket.io-client included', async () => {
    const code = await readFile(WIDGET_FILE);
    const gzipped = gzipSync(code, { level: 9 }).length;
    console.log(`widget.js: ${code.length} bytes raw, ${gzipped} bytes gzipped (budget ${BUDGET_GZIP_BYTES})`);
    expect(gzipped).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
    // One self-contained IIFE with the Socket.IO client inside (its protocol query is in it).
    const text = code.toString('utf8');
    expect(text).toMatch(/^"use strict";\(\(\)=>\{/);
    expect(text).toContain('EIO');
    expect(text).not.toMatch(/^\s*(import|export)\s/m);
  });

  it('answers 503 with a hint when the widget has not been built', async () => {
    const app = new Koa();
    app.use(createWidgetRoutes({}, '/nonexistent/widget.js').routes());
    const http = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => http.once('listening', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/widget.js`);
      expect(response.status).toBe(503);
      expect(await response.text()).toContain('npm run build:widget');
    } finally {
      http.close();
    }
  });
});

describe('the widget source', () => {
  it('never turns text into markup', async () => {
    const files = (await readdir(WIDGET_SRC)).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(3);
    const sink = /innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser|srcdoc|\beval\(|new Function/;
    for (const file of files) {
      const source = await readFile(new URL(file, WIDGET_SRC), 'utf8');
      expect(source.match(sink)?.[0] ?? null, file).toBeNull();
    }
    const bundle = await readFile(WIDGET_FILE, 'utf8');
    expect(bundle.match(sink)?.[0] ?? null).toBeNull();
  });
});

describe('GET / (demo page)', () => {
  it('shows the widget and an embed snippet for this server, under a strict CSP', async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await response.text();
    expect(html).toContain('<script src="/widget.js" async></script>');
    expect(html).toContain(`&lt;script src="${server.url}/widget.js" async&gt;&lt;/script&gt;`);
    expect(html).toContain('SupportWidget.boot({ token');
    // No inline script at all: the only <script> is the widget.
    expect(html.match(/<script/g)).toHaveLength(1);
  });

  it('escapes the Host header it echoes in the snippet', async () => {
    const { port } = new URL(server.url);
    const html = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/', headers: { host: 'evil.example"><img src=x onerror=alert(1)>' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });
    expect(html).not.toContain('<img');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });
});
