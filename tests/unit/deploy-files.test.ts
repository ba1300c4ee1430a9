/**
 * The deployment files (deploy/, docs/deploy.md) cannot run here (no systemd,
 * no registry to pull images, no Kubernetes), so this keeps them honest at
 * least: they parse, every DRILLBOOK_* variable they set exists and its value
 * is one the server accepts, and the nginx configurations are exactly what
 * `drillbook nginx` prints (the text the two-server integration test runs).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { nginxConfig } from '../../src/cli/nginx.ts';
import { readSettings, Settings } from '../../src/config/settings.ts';

const read = (f: string) => readFileSync(f, 'utf8');
const known = new Set(Object.keys(Settings.shape));

function yamlDocs(file: string): unknown[] {
  const docs = parseAllDocuments(read(file), { merge: true });
  for (const d of docs)
    expect(
      d.errors.map((e) => e.message),
      file,
    ).toEqual([]);
  return docs.map((d) => d.toJS() as unknown);
}

describe('deployment files', () => {
  it('systemd unit: runs the server through the launcher, stops it with SIGTERM to the server alone', () => {
    const unit = read('deploy/systemd/drillbook.service');
    expect(unit).toContain('ExecStart=/opt/drillbook/drillbook node src/cli/main.ts serve');
    expect(unit).toContain('KillMode=mixed');
    const env = Object.fromEntries([...unit.matchAll(/^Environment=([A-Z_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    for (const k of Object.keys(env)) expect(known.has(k), k).toBe(true);
    expect(() => readSettings(env)).not.toThrow();
  });

  it('Docker Compose: two servers with their own ids and state, one store, nginx with the generated configuration', () => {
    const [compose] = yamlDocs('deploy/compose/compose.yaml') as [
      { services: Record<string, { environment?: Record<string, string>; volumes?: string[] }> },
    ];
    const servers = ['drillbook-a', 'drillbook-b'].map((n) => compose.services[n]!);
    for (const s of servers) for (const k of Object.keys(s.environment ?? {})) expect(known.has(k), k).toBe(true);
    expect(servers.map((s) => s.environment?.['DRILLBOOK_SERVER_ID'])).toEqual(['a', 'b']);
    expect(servers.map((s) => s.volumes?.[0])).toEqual(['state-a:/var/lib/drillbook', 'state-b:/var/lib/drillbook']);
    expect(() => readSettings({ DRILLBOOK_TRUST_PROXY: servers[0]!.environment!['DRILLBOOK_TRUST_PROXY'] })).not.toThrow();
    expect(read('deploy/compose/nginx-drillbook.conf')).toBe(
      nginxConfig({
        servers: [
          { id: 'a', address: 'drillbook-a:4321' },
          { id: 'b', address: 'drillbook-b:4321' },
        ],
        listen: '80',
      }),
    );
  });

  it('Kubernetes: server ids from the pod names, the proxy configured for every replica, sandboxes cut off the network', () => {
    type Obj = { kind: string; metadata: { name: string }; spec?: Record<string, unknown>; data?: Record<string, string> };
    const servers = yamlDocs('deploy/kubernetes/servers.yaml') as Obj[];
    const proxy = yamlDocs('deploy/kubernetes/proxy.yaml') as Obj[];
    const sts = servers.find((o) => o.kind === 'StatefulSet')! as Obj & {
      spec: { replicas: number; template: { spec: { containers: { env: { name: string; value?: string; valueFrom?: unknown }[] }[] } } };
    };
    const env = sts.spec.template.spec.containers[0]!.env;
    for (const e of env) expect(known.has(e.name) || ['HOST', 'PORT'].includes(e.name), e.name).toBe(true);
    expect(env.find((e) => e.name === 'DRILLBOOK_SERVER_ID')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(() => readSettings(Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value])))).not.toThrow();
    const ids = Array.from({ length: sts.spec.replicas }, (_, i) => `drillbook-${i}`);
    const conf = proxy.find((o) => o.kind === 'ConfigMap')!.data!['default.conf'];
    expect(conf).toBe(
      nginxConfig({ servers: ids.map((id) => ({ id, address: `${id}.drillbook.drillbook.svc.cluster.local:4321` })), listen: '80' }),
    );
    const policy = servers.find((o) => o.kind === 'NetworkPolicy')!;
    expect(policy.spec).toMatchObject({ policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] });
  });
});
