import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { startTestServer, type TestServer } from '../support/server.js';

const dir = path.resolve('deploy/k8s');
const docs = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(dir, file), 'utf8')).map((doc) => {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]!.message}`);
      return { file, ...(doc.toJS() as any) };
    }),
  );
const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
const deployment = byKind('Deployment')[0];
const container = deployment.spec.template.spec.containers[0];
const configMap = byKind('ConfigMap')[0];
const secret = byKind('Secret')[0];
const service = (name: string) => byKind('Service').find((s) => s.metadata.name === name);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('deploy/k8s', () => {
  it('parses every manifest and lists each in the kustomization', () => {
    expect(docs.map((d) => d.kind).sort()).toEqual(
      ['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'Job', 'Kustomization', 'PodDisruptionBudget', 'Secret', 'Service', 'Service'].sort(),
    );
    const kustomization = byKind('Kustomization')[0];
    for (const d of docs.filter((x) => !['Kustomization', 'Secret'].includes(x.kind))) expect(kustomization.resources).toContain(d.file);
  });

  it('points the probes at paths the server answers, on the port it listens on', async () => {
    const port = container.ports.find((p: any) => p.name === 'http').containerPort;
    expect(String(port)).toBe(configMap.data.PORT);
    expect(port).toBe(loadConfig({ JWT_SECRET: 'x'.repeat(32), PGLITE_DIR: 'memory://' }).port); // the server's default too
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
      expect(probe.httpGet.port).toBe('http');
      expect((await fetch(server.url + probe.httpGet.path)).status).toBe(200);
    }
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(deployment.spec.template.metadata.annotations['prometheus.io/path']).toBe('/metrics');
    expect((await fetch(server.url + '/metrics')).status).toBe(200);
    expect(service('support-chat').spec.ports[0].targetPort).toBe('http');
    expect(service('support-chat').spec.selector).toEqual(deployment.spec.selector.matchLabels);
  });

  it('exposes the inbound SMTP port the configuration listens on, on port 25 of a load balancer', () => {
    const port = container.ports.find((p: any) => p.name === 'smtp').containerPort;
    // The example's settings and secrets make a valid configuration whose listener is that port.
    expect(loadConfig({ ...configMap.data, ...secret.stringData }).inbound?.port).toBe(port);
    const smtp = service('support-chat-smtp');
    expect(smtp.spec.ports).toEqual([{ name: 'smtp', port: 25, targetPort: 'smtp' }]);
    expect(smtp.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(readFileSync('Dockerfile', 'utf8')).toMatch(new RegExp(`^EXPOSE .*\\b${port}\\b`, 'm'));
  });

  it('gives the drain time to finish before the kubelet kills the pod', () => {
    const preStopSeconds = Number(container.lifecycle.preStop.exec.command.at(-1));
    const drainSeconds = Number(configMap.data.SHUTDOWN_TIMEOUT_MS) / 1000;
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(preStopSeconds + drainSeconds);
  });

  it('runs as a non-root user with a locked-down container and resource requests', () => {
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(container.securityContext.capabilities.drop).toEqual(['ALL']);
    expect(container.resources.requests.cpu).toBeDefined();
    expect(container.resources.requests.memory).toBeDefined();
  });

  it('migrates with the compiled migration command, and keeps the HPA and PDB on the Deployment', () => {
    const job = byKind('Job')[0].spec.template.spec.containers[0];
    expect(job.command).toEqual(['node', 'dist/cli/migrate.js']);
    expect(existsSync('src/cli/migrate.ts')).toBe(true); // what tsc compiles to dist/cli/migrate.js
    expect(job.image).toBe(container.image);
    expect(byKind('HorizontalPodAutoscaler')[0].spec.scaleTargetRef.name).toBe(deployment.metadata.name);
    expect(byKind('PodDisruptionBudget')[0].spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
  });

  it('keeps the Dockerfile in step: Node 24 slim, production deps only, non-root, health check on /healthz', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    expect(dockerfile).toMatch(/^FROM node:24[\w.-]*-slim AS build/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/healthz/);
    expect(dockerfile).toMatch(/EXPOSE 3001/);
  });
});
