/**
 * The one place that turns server configuration into a sandbox driver. The
 * server, `labs`, `record`, `replays` and the benchmarks all get theirs here:
 * DRILLBOOK_DRIVER when set, else bubblewrap where it works on this host and
 * Docker where it does not (hosts without unprivileged user namespaces, or
 * where bubblewrap is not allowed). The choice and its reason go to the log.
 */
import { BwrapDriver, type BwrapDriverOptions } from './bwrap/driver.ts';
import { DockerDriver } from './docker/driver.ts';
import type { SandboxDriver } from './driver.ts';

export type DriverName = 'bwrap' | 'docker';

/** What every driver is configured with (the server's configuration has these fields). */
export type DriverConfig = Pick<BwrapDriverOptions, 'limits' | 'stateDir' | 'instance' | 'uidBase' | 'startTimeoutMs' | 'hostEtc'> & {
  memoryReserveBytes?: number;
  /** DRILLBOOK_DRIVER; undefined: chosen by chooseDriver. */
  driver?: DriverName | undefined;
};

/** The driver named (default: the configured one, else bwrap), not yet checked or prepared. */
export function createDriver(config: DriverConfig, name: DriverName = config.driver ?? 'bwrap'): SandboxDriver {
  if (name === 'docker') {
    return new DockerDriver({
      limits: config.limits,
      stateDir: config.stateDir,
      instance: config.instance,
      startTimeoutMs: config.startTimeoutMs,
      memoryReserveBytes: config.memoryReserveBytes,
    });
  }
  return new BwrapDriver({
    limits: config.limits,
    stateDir: config.stateDir,
    instance: config.instance,
    uidBase: config.uidBase,
    startTimeoutMs: config.startTimeoutMs,
    memoryReserveBytes: config.memoryReserveBytes,
    hostEtc: config.hostEtc,
  });
}

/**
 * The configured driver, or the one that fits this host: bwrap when its
 * preflight passes, else docker. `why` says which and why, for the log.
 * `make` builds a driver by name (tests pass fakes at this seam).
 */
export async function chooseDriver(
  config: DriverConfig,
  make: (config: DriverConfig, name?: DriverName) => SandboxDriver = createDriver,
): Promise<{ driver: SandboxDriver; why: string }> {
  if (config.driver) return { driver: make(config), why: `DRILLBOOK_DRIVER=${config.driver}` };
  const bwrap = make(config, 'bwrap');
  const pre = await bwrap.preflight();
  if (pre.ok) return { driver: bwrap, why: 'bubblewrap works on this host (DRILLBOOK_DRIVER unset)' };
  return {
    driver: make(config, 'docker'),
    why: `bubblewrap cannot run here (${pre.message ?? 'its preflight failed'}), so Docker (DRILLBOOK_DRIVER unset)`,
  };
}
