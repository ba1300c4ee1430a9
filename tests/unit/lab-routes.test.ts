/**
 * The lab solution over HTTP: never in the page, served by the API only after
 * a real attempt or a recorded "give up and show me".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { labSchema } from '../../src/blocks/lab/schema.ts';
import type { CourseLab } from '../../src/labs/course-labs.ts';
import { LabService } from '../../src/labs/service.ts';
import { openStore } from '../../src/store/index.ts';
import { SandboxManager } from '../../src/sandbox/manager.ts';
import { buildApp } from '../../src/server/app.ts';
import { FakeDriver } from './fake-driver.ts';

const lab = labSchema.parse({
  id: 'demo',
  title: 'Demo',
  engines: ['mariadb'],
  time: '5 min',
  tasks: ['Do it.'],
  checks: [{ id: 'one', title: 'One', shell: 'echo 1', expect: '1', fail: 'No.', hint: 'Try.' }],
  solution: 'mysqldump --single-transaction shop > ~/backups/shop.sql\n',
});
const labs = new Map<string, CourseLab>([['demo', { lab, id: 'demo', file: 'demo.md', line: 1, route: '/demo/' }]]);
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

describe('lab solution routes', () => {
  it('403 SolutionLocked before any attempt; give-up answers the solution and opens it for later', async () => {
    const store = (await openStore({ sqlitePath: ':memory:' })).results;
    const manager = new SandboxManager(new FakeDriver(), { maxSandboxes: 2, poolSize: 0, idleTimeoutMs: 60_000, lifetimeMs: 3_600_000 });
    const service = new LabService(labs, manager, store, { checkIntervalMs: 0 });
    const app = await buildApp({
      config: { siteDir: '/nonexistent', secret: 'unit-test-secret-0123456789abcdef', allowedOrigins: [] },
      manager,
      labs: service,
    });
    closers.push(() => app.close());
    const first = await app.inject({ method: 'GET', url: '/api/labs/demo/solution' });
    expect(first.statusCode).toBe(403);
    expect(first.json()).toEqual({
      error: 'SolutionLocked',
      message:
        'The solution opens once you have tried: work on the tasks in your sandbox and press "Check my work", or choose "Give up and show me the solution".',
    });
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    const gaveUp = await app.inject({ method: 'POST', url: '/api/labs/demo/give-up', headers: { cookie } });
    expect(gaveUp.statusCode).toBe(200);
    expect(gaveUp.json()).toEqual({
      id: 'demo',
      reason: 'gave-up',
      solution: 'mysqldump --single-transaction shop > ~/backups/shop.sql\n',
    });
    const view = await app.inject({ method: 'GET', url: '/api/labs/demo', headers: { cookie } });
    expect(view.json()).toMatchObject({ solution: 'gave-up' });
    expect((await app.inject({ method: 'GET', url: '/api/labs/demo/solution', headers: { cookie } })).json().reason).toBe('gave-up');
    // Another learner still has to try.
    expect((await app.inject({ method: 'GET', url: '/api/labs/demo/solution' })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/labs/nope/solution', headers: { cookie } })).json().error).toBe('LabNotFound');
  });
});
