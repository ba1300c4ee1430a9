/**
 * LabService with the fake sandbox driver: each fake sandbox answers the
 * lab's probes from a small scripted state instead of running commands
 * (the real runs are `drillbook labs verify` and tests/e2e/lab.spec.ts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { labSchema, type Lab } from '../../src/blocks/lab/schema.ts';
import type { CourseLab } from '../../src/labs/course-labs.ts';
import { PROBE_STARTED } from '../../src/labs/probe.ts';
import { LabError, LabService } from '../../src/labs/service.ts';
import { openStore } from '../../src/store/index.ts';
import { SandboxManager } from '../../src/sandbox/manager.ts';
import type { ExecOptions } from '../../src/sandbox/driver.ts';
import type { RunResult } from '../../src/sandbox/spawn.ts';
import { FakeDriver, FakeHandle } from './fake-driver.ts';

const lab: Lab = labSchema.parse({
  id: 'demo',
  title: 'Demo lab',
  engines: ['mariadb'],
  time: '5 min',
  setup: [
    { title: 'Create the shop', engine: 'mariadb', sql: 'CREATE DATABASE shop' },
    { title: 'Count the rows', engine: 'mariadb', sql: 'SELECT 3 /* count */', record: 'rows' },
  ],
  tasks: ['Dump and restore.'],
  checks: [
    { id: 'dump', title: 'A dump exists', shell: 'test -s dump && echo 1', expect: '1', fail: 'No dump yet.', hint: 'Redirect it.' },
    {
      id: 'rows',
      title: 'Rows are back',
      needs: ['dump'],
      engine: 'mariadb',
      sql: 'SELECT restored',
      expect: '{{rows}}',
      fail: 'Rows are missing.',
      hint: 'Restore the dump.',
    },
  ],
  solution: 'true',
});
const labs = new Map<string, CourseLab>([['demo', { lab, id: 'demo', file: 'demo.md', line: 1, route: '/demo/' }]]);

/** What a fake sandbox holds; the probes read it. `gate` holds the first setup step until released. */
interface State {
  dump: boolean;
  restored: string;
  failSetup: boolean;
  unreachable: boolean;
  gate?: Promise<void>;
}

class ScriptedDriver extends FakeDriver {
  states: State[] = [];
  /** Applied to the next sandboxes created. */
  next: Partial<State> = {};
  execs = 0;
  override async create(): Promise<FakeHandle> {
    const h = await super.create();
    const state: State = { dump: false, restored: '0', failSetup: false, unreachable: false, ...this.next };
    this.states.push(state);
    return Object.assign(h, {
      exec: async (argv: string[], opts?: ExecOptions): Promise<RunResult> => {
        this.execs++;
        if (state.unreachable) throw new Error('sandbox gone');
        const text = `${argv.join(' ')}\n${opts?.input ?? ''}`;
        const ok = (out: string, code = 0, stderr = ''): RunResult => ({
          code,
          signal: null,
          stdout: `${PROBE_STARTED}\n${out}`,
          stderr,
          timedOut: false,
        });
        if (text.includes('CREATE DATABASE shop')) {
          await state.gate;
          return state.failSetup ? ok('', 1, 'ERROR 1007: database exists') : ok('');
        }
        if (text.includes('SELECT 3')) return ok('3');
        if (text.includes('test -s dump')) return state.dump ? ok('1') : ok('', 1);
        if (text.includes('SELECT restored')) return ok(state.restored);
        return ok('');
      },
    });
  }
}

async function setup(checkIntervalMs = 3_000) {
  const driver = new ScriptedDriver();
  const manager = new SandboxManager(driver, { maxSandboxes: 5, poolSize: 0, idleTimeoutMs: 60_000, lifetimeMs: 3_600_000 });
  const store = (await openStore({ sqlitePath: ':memory:' })).results;
  const service = new LabService(labs, manager, store, { checkIntervalMs });
  const sandbox = (i = 0) => driver.states[i]!;
  return { driver, manager, store, service, sandbox };
}

async function failure(p: Promise<unknown> | (() => unknown)): Promise<LabError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof LabError) return e;
    throw e;
  }
  throw new Error('expected a LabError');
}

afterEach(() => {
  vi.useRealTimers();
});

describe('LabService', () => {
  it('knows only the labs of the course', async () => {
    const { service } = await setup();
    expect((await failure(() => service.view('alice', 'nope'))).kind).toBe('LabNotFound');
    for (const action of ['start', 'check', 'reset'] as const) {
      const e = await failure(service[action]('alice', 'nope'));
      expect(e.kind).toBe('LabNotFound');
      expect(e.message).toBe('There is no lab "nope" on this site.');
    }
  });

  it('shows a lab not started with every check unchecked; a check then is "not started"', async () => {
    const { service, driver } = await setup();
    expect(await service.view('alice', 'demo')).toEqual({
      id: 'demo',
      started: false,
      attempted: false,
      solution: 'locked',
      summary: 'Start the lab to prepare your sandbox.',
      checks: [
        { id: 'dump', title: 'A dump exists', status: 'unchecked', message: '', hint: undefined },
        { id: 'rows', title: 'Rows are back', status: 'unchecked', message: '', hint: undefined },
      ],
    });
    expect((await failure(service.check('alice', 'demo'))).kind).toBe('LabNotStarted');
    expect(driver.execs).toBe(0);
    // A refused check does not count against the rate limit.
    await service.start('alice', 'demo');
    expect((await service.check('alice', 'demo')).started).toBe(true);
  });

  it('starts: runs the setup, shows the step under way, refuses a second action meanwhile', async () => {
    const { service, driver } = await setup();
    let release!: () => void;
    driver.next = { gate: new Promise<void>((ok) => (release = ok)) };
    const starting = service.start('alice', 'demo');
    await vi.waitFor(async () => expect((await service.view('alice', 'demo')).summary).toBe('Setting up, step 1 of 2: Create the shop…'));
    expect((await failure(service.start('alice', 'demo'))).kind).toBe('LabBusy');
    release();
    const view = await starting;
    expect(view.started).toBe(true);
    expect(view.summary).toMatch(/^Lab ready in \d+\.\d s\. Open the terminal and work through the tasks\.$/);
    expect(view.checks.map((c) => c.status)).toEqual(['unchecked', 'unchecked']);
    expect((await service.view('alice', 'demo')).summary).toBe('Your sandbox is ready for this lab.');
  });

  it('starting a lab that already runs does not run its setup again', async () => {
    const { service, driver } = await setup();
    await service.start('alice', 'demo');
    const execs = driver.execs;
    const again = await service.start('alice', 'demo');
    expect(driver.execs).toBe(execs);
    expect(again.started).toBe(true);
    expect(again.summary).toBe('This lab is already running in your sandbox. To begin again, reset the lab.');
  });

  it('checks: not yet with message and hint, no hint on a check that waited; rate-limited; then passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { service, sandbox } = await setup();
    await service.start('alice', 'demo');
    const first = await service.check('alice', 'demo');
    expect(first.summary).toBe('0 of 2 checks passed.');
    expect(first.attempted).toBe(true);
    expect(first.checks).toEqual([
      { id: 'dump', title: 'A dump exists', status: 'not-yet', message: 'No dump yet.', hint: 'Redirect it.' },
      { id: 'rows', title: 'Rows are back', status: 'not-yet', message: 'Waiting for: A dump exists.', hint: undefined },
    ]);

    vi.setSystemTime(Date.now() + 1_200);
    const limited = await failure(service.check('alice', 'demo'));
    expect(limited.kind).toBe('RateLimited');
    expect(limited.retryAfterSeconds).toBe(2);
    expect(limited.message).toBe('You checked a moment ago. Check again in 2 s.');

    sandbox().dump = true;
    vi.setSystemTime(Date.now() + 2_000);
    const second = await service.check('alice', 'demo');
    expect(second.checks[1]).toEqual({
      id: 'rows',
      title: 'Rows are back',
      status: 'not-yet',
      message: 'Rows are missing.',
      hint: 'Restore the dump.',
    });

    sandbox().restored = '3';
    vi.setSystemTime(Date.now() + 3_000);
    const done = await service.check('alice', 'demo');
    expect(done.summary).toBe('All 2 checks passed. Well done.');
    expect(done.checks.map((c) => [c.status, c.message, c.hint])).toEqual([
      ['passed', 'Passed.', undefined],
      ['passed', 'Passed.', undefined],
    ]);
    // Learners are limited one by one.
    await service.start('bob', 'demo');
    expect((await service.check('bob', 'demo')).started).toBe(true);
  });

  it('a check that cannot reach the sandbox is "could not check" and does not open the solution', async () => {
    const { service, sandbox } = await setup();
    await service.start('alice', 'demo');
    sandbox().unreachable = true;
    const view = await service.check('alice', 'demo');
    expect(view.checks.map((c) => c.status)).toEqual(['error', 'error']);
    expect(view.checks[0]?.message).toMatch(/This is not your fault/);
    expect(view.summary).toBe(
      '0 of 2 checks passed. Some checks could not run because of a server problem; they do not count against you.',
    );
    expect(view.attempted).toBe(false);
  });

  it('reset: a fresh sandbox with the setup run again and nothing checked yet; the solution stays open', async () => {
    const { service, driver, manager } = await setup(0);
    await service.start('alice', 'demo');
    const before = manager.handle('alice')?.id;
    await service.check('alice', 'demo');
    const view = await service.reset('alice', 'demo');
    expect(manager.handle('alice')?.id).not.toBe(before);
    expect(driver.created[0]?.destroyed).toBe(true);
    // One fresh sandbox for the reset, not one for the reset and another for the start after it.
    expect(driver.created).toHaveLength(2);
    expect(view.started).toBe(true);
    expect(view.attempted).toBe(true);
    expect(view.checks.map((c) => c.status)).toEqual(['unchecked', 'unchecked']);
    expect((await service.view('alice', 'demo')).checks.map((c) => c.status)).toEqual(['unchecked', 'unchecked']);
    expect((await service.check('alice', 'demo')).checks.map((c) => c.status)).toEqual(['not-yet', 'not-yet']);
  });

  it('a failed setup is reported as not the learner’s fault, and the lab is not started', async () => {
    const { service, driver } = await setup();
    driver.next = { failSetup: true };
    const e = await failure(service.start('alice', 'demo'));
    expect(e.kind).toBe('LabSetupFailed');
    expect(e.message).toMatch(
      /^The lab could not be prepared \(setup step 1 \(Create the shop\) failed: ERROR 1007: database exists\)\. This is not your fault/,
    );
    expect((await service.view('alice', 'demo')).started).toBe(false);
    expect((await service.view('alice', 'demo')).summary).toBe('Start the lab to prepare your sandbox.');
  });

  it('serves the solution only after a real attempt: a check that ran, after typing in the sandbox', async () => {
    const { service, manager, store, sandbox } = await setup(0);
    const LOCKED =
      'The solution opens once you have tried: work on the tasks in your sandbox and press "Check my work", or choose "Give up and show me the solution".';
    await service.start('alice', 'demo');
    // A check straight after the start, without doing anything: still locked.
    expect((await service.check('alice', 'demo')).solution).toBe('locked');
    const locked = await failure(() => service.solution('alice', 'demo'));
    expect([locked.kind, locked.message]).toEqual(['SolutionLocked', LOCKED]);
    // Typing in the terminal, then a check whose results are a server problem: not an attempt either.
    await manager.attach('alice', { send() {}, close() {} });
    expect(manager.input('alice', Buffer.from('mysqldump shop > dump\r'))).toBe(true);
    sandbox().unreachable = true;
    expect((await service.check('alice', 'demo')).solution).toBe('locked');
    // A check that runs after typing: the solution is served, and the view says why.
    sandbox().unreachable = false;
    const tried = await service.check('alice', 'demo');
    expect(tried.checks[0]?.status).toBe('not-yet');
    expect(tried.solution).toBe('attempted');
    expect(await service.solution('alice', 'demo')).toEqual({ id: 'demo', reason: 'attempted', solution: 'true' });
    // Only for this learner; and a reset keeps what was earned.
    expect((await service.view('bob', 'demo')).solution).toBe('locked');
    await service.reset('alice', 'demo');
    expect((await service.view('alice', 'demo')).solution).toBe('attempted');
    expect(await store.givenUp('alice', 'demo')).toBe(false);
  });

  it('"give up and show me" serves the solution and is recorded as a give-up', async () => {
    const { service, store } = await setup();
    expect(await service.giveUp('carol', 'demo')).toEqual({ id: 'demo', reason: 'gave-up', solution: 'true' });
    expect(await store.givenUp('carol', 'demo')).toBe(true);
    expect((await service.view('carol', 'demo')).solution).toBe('gave-up');
    expect((await service.solution('carol', 'demo')).reason).toBe('gave-up');
    expect((await failure(() => service.giveUp('carol', 'nope'))).kind).toBe('LabNotFound');
  });

  it('a start recorded by an earlier server for a sandbox id used again is not this sandbox’s', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { service, store, manager } = await setup();
    vi.setSystemTime(new Date('2026-01-01T10:00:00Z'));
    await store.recordStart('alice', 'demo', 'fake-1', { rows: '3' }, null);
    vi.setSystemTime(new Date('2026-01-01T11:00:00Z'));
    await manager.claim('alice');
    expect(manager.handle('alice')?.id).toBe('fake-1');
    expect((await service.view('alice', 'demo')).started).toBe(false);
    expect((await failure(service.check('alice', 'demo'))).kind).toBe('LabNotStarted');
  });
});
