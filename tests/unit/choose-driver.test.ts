/**
 * Which sandbox driver a server uses when DRILLBOOK_DRIVER is unset: bwrap
 * where its preflight passes, else Docker, with the reason for the log.
 * Fake drivers at the seam (the real preflights run in tests/integration).
 */
import { describe, expect, it } from 'vitest';
import { chooseDriver, type DriverConfig, type DriverName } from '../../src/sandbox/create-driver.ts';
import { FakeDriver } from './fake-driver.ts';

const CONFIG = {
  limits: { memoryBytes: 2 ** 30, diskBytes: 2 ** 30, pids: 256, cpus: 1 },
  stateDir: '/nonexistent',
  instance: 'test',
  uidBase: 1_000_000,
} as DriverConfig;

/** Fake drivers named as asked, bwrap's preflight passing or failing with `bwrapFails`. */
function maker(bwrapFails?: string) {
  const made: string[] = [];
  const make = (_: DriverConfig, name: DriverName = 'bwrap') => {
    made.push(name);
    const d = new FakeDriver();
    if (name === 'bwrap' && bwrapFails) d.preflight = async () => ({ ok: false, message: bwrapFails });
    return Object.assign(d, { made: name });
  };
  return { make, made };
}

describe('choosing the sandbox driver', () => {
  it('bwrap where it works', async () => {
    const { make, made } = maker();
    const { driver, why } = await chooseDriver(CONFIG, make);
    expect((driver as FakeDriver & { made: string }).made).toBe('bwrap');
    expect(why).toBe('bubblewrap works on this host (DRILLBOOK_DRIVER unset)');
    expect(made).toEqual(['bwrap']);
  });

  it('Docker where bwrap cannot run, saying why', async () => {
    const { make } = maker('bubblewrap cannot create a sandbox on this host: No permissions to create new namespace');
    const { driver, why } = await chooseDriver(CONFIG, make);
    expect((driver as FakeDriver & { made: string }).made).toBe('docker');
    expect(why).toBe(
      'bubblewrap cannot run here (bubblewrap cannot create a sandbox on this host: No permissions to create new namespace), so Docker (DRILLBOOK_DRIVER unset)',
    );
  });

  it('the one DRILLBOOK_DRIVER names, without trying another', async () => {
    const { make, made } = maker('never asked');
    const { why } = await chooseDriver({ ...CONFIG, driver: 'bwrap' }, make);
    expect(why).toBe('DRILLBOOK_DRIVER=bwrap');
    expect(made).toEqual(['bwrap']);
  });
});
