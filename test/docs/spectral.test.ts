import { readFile } from 'node:fs/promises';
import { Document, Spectral, type ISpectralDiagnostic, type RulesetDefinition } from '@stoplight/spectral-core';
import Parsers from '@stoplight/spectral-parsers';
import { asyncapi, oas } from '@stoplight/spectral-rulesets';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

const severity = ['error', 'warning', 'info', 'hint'];

/** The project's .spectral.yaml, with the built-in rulesets it names resolved in process. */
async function loadRuleset(): Promise<RulesetDefinition> {
  const file = parse(await readFile(new URL('../../.spectral.yaml', import.meta.url), 'utf8')) as { extends: string[]; rules?: Record<string, unknown> };
  const builtIn: Record<string, unknown> = { 'spectral:oas': oas, 'spectral:asyncapi': asyncapi };
  return { extends: file.extends.map((name) => builtIn[name]), rules: file.rules ?? {} } as RulesetDefinition;
}

let server: TestServer;
let spectral: Spectral;
beforeAll(async () => {
  server = await startTestServer();
  spectral = new Spectral();
  spectral.setRuleset(await loadRuleset());
});
afterAll(() => server.close());

async function lint(path: string): Promise<string[]> {
  const text = await (await fetch(server.url + path)).text();
  const findings: ISpectralDiagnostic[] = await spectral.run(new Document(text, Parsers.Json, path));
  return findings.map((f) => `${severity[f.severity]} ${f.code} at ${f.path.join('.') || '(root)'}: ${f.message}`);
}

describe('Spectral lint of the API documents', () => {
  // Hints are suggestions, not findings; errors, warnings and infos all fail.
  it.each(['/api/support/openapi.json', '/api/support/asyncapi.json'])('%s has no findings with the oas and asyncapi rulesets', async (path) => {
    const findings = (await lint(path)).filter((f) => !f.startsWith('hint'));
    expect(findings, findings.join('\n')).toEqual([]);
  });

  it('runs the rules it should: a document without tags or contact is flagged', async () => {
    const bare = JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/a': { get: { responses: { '200': { description: 'ok' } } } } } });
    const codes = (await spectral.run(new Document(bare, Parsers.Json, 'bare.json'))).map((f) => f.code);
    expect(codes).toEqual(expect.arrayContaining(['info-contact', 'operation-tags', 'operation-description', 'operation-operationId']));
  });
});
