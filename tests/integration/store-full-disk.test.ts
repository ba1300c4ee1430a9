/**
 * A full disk under the state dir (a real one: a 2 MB tmpfs mounted as the
 * state dir, which needs root, as ./drillbook test is): the results store
 * says "results not saved" with SQLite's own reason (not a failed ROLLBACK),
 * over HTTP as 507 ResultsNotSaved; a lab start that cannot be recorded does
 * not reset the learner's sandbox; what was committed before is kept, and
 * once there is room again everything works. The sandbox driver is the fake
 * one: what is under test is the store and the lab start's order, not bwrap.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labSchema } from '../../src/blocks/lab/schema.ts';
import { loadCourse } from '../../src/course/load-course.ts';
import type { CourseLab } from '../../src/labs/course-labs.ts';
import { LabService } from '../../src/labs/service.ts';
import { SandboxManager } from '../../src/sandbox/manager.ts';
import { run } from '../../src/sandbox/spawn.ts';
import { buildApp } from '../../src/server/app.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { Instructors } from '../../src/workshops/instructors.ts';
import { courseOutline } from '../../src/workshops/outline.ts';
import { WorkshopService } from '../../src/workshops/service.ts';
import { FakeDriver } from '../unit/fake-driver.ts';

const lab = labSchema.parse({
  id: 'demo',
  title: 'Demo',
  engines: ['mariadb'],
  time: '5 min',
  tasks: ['Do it.'],
  checks: [{ id: 'one', title: 'One', shell: 'echo 1', expect: '1', fail: 'No.', hint: 'Try.' }],
  solution: 'true\n',
});
const labs = new Map<string, CourseLab>([['demo', { lab, id: 'demo', file: 'demo.md', line: 1, route: 'demo' }]]);

let dir = '';
let store: Store;
beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('this test mounts a small tmpfs as the state dir: run it as root (./drillbook test does)');
  dir = mkdtempSync(join(tmpdir(), 'drillbook-full-disk-'));
  const m = await run(['mount', '-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', dir]);
  if (m.code !== 0) throw new Error(`mount tmpfs: ${m.stderr}`);
  store = await openStore({ stateDir: dir });
});
afterAll(async () => {
  await store?.close();
  if (dir) {
    await run(['umount', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('a full disk under the state dir', () => {
  it('answers 507 ResultsNotSaved with the real reason, leaves the sandbox of a lab start alone, keeps what was committed', async () => {
    const driver = new FakeDriver();
    const manager = new SandboxManager(driver, { maxSandboxes: 4, poolSize: 0, idleTimeoutMs: 60_000, lifetimeMs: 3_600_000 });
    const service = new LabService(labs, manager, store.results, { checkIntervalMs: 0 });
    const workshops = new WorkshopService({
      store,
      outline: courseOutline(loadCourse('content')),
      manager,
      hostCapacity: 4,
      prewarmMs: 1,
      publicOrigin: 'http://127.0.0.1',
      base: '/',
    });
    const app = await buildApp({
      config: { siteDir: '/nonexistent', secret: 'integration-secret-0123456789abcdef', allowedOrigins: [] },
      manager,
      labs: service,
      workshops,
      instructors: await Instructors.load(dir, undefined),
    });
    try {
      const first = await app.inject({ method: 'POST', url: '/api/labs/demo/start' });
      expect(first.statusCode).toBe(200);
      const cookie = String(first.headers['set-cookie']).split(';')[0]!;
      const event = (id: string) => ({ kind: 'page-view', id, at: new Date().toISOString(), page: 'demo' });
      const kept = await app.inject({
        method: 'POST',
        url: '/api/events',
        headers: { cookie },
        payload: { events: [event('evt-before-full')] },
      });
      expect(kept.json()).toEqual({ acked: ['evt-before-full'], refused: [] });
      const sandbox = driver.created[0];
      // Fill the file system: a file as large as the space left.
      const df = await run(['df', '--output=avail', '-B1', dir]);
      const avail = Number(df.stdout.trim().split('\n').pop());
      try {
        writeFileSync(join(dir, 'filler'), Buffer.alloc(avail));
      } catch {
        // ENOSPC on the last bytes: the disk is full, which is the point.
      }
      const full = await app.inject({
        method: 'POST',
        url: '/api/events',
        headers: { cookie },
        payload: { events: [event('evt-while-full')] },
      });
      expect(full.statusCode).toBe(507);
      expect(full.json()).toEqual({
        error: 'ResultsNotSaved',
        message:
          "Your results could not be saved on the server (database or disk is full). Nothing was changed: your page keeps what it has not saved and sends it again; tell the operator (the server's disk may be full).",
      });
      // A lab start (here a reset) that cannot be recorded: refused before the sandbox is touched.
      const reset = await app.inject({ method: 'POST', url: '/api/labs/demo/reset', headers: { cookie } });
      expect(reset.statusCode).toBe(507);
      expect(reset.json().error).toBe('ResultsNotSaved');
      expect(driver.created).toHaveLength(1);
      expect(driver.created[0]?.destroyed).toBe(false);
      expect(sandbox?.destroyed).toBe(false);
      // Room again: the page's resend is stored, and nothing committed before was lost.
      rmSync(join(dir, 'filler'));
      const again = await app.inject({
        method: 'POST',
        url: '/api/events',
        headers: { cookie },
        payload: { events: [event('evt-while-full')] },
      });
      expect(again.json()).toEqual({ acked: ['evt-while-full'], refused: [] });
      const ids = (await store.results.learnerEvents(cookie.split('=')[1]!.split('.')[0]!)).map((e) => e.clientId);
      expect(ids).toEqual(['evt-before-full', 'evt-while-full']);
    } finally {
      await app.close();
      await manager.shutdown();
    }
  });
});
