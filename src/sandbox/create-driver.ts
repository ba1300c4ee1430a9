/**
 * The one place that turns server configuration into a sandbox driver. The
 * server, `labs verify` and the benchmarks all get theirs here, so a second
 * driver (Docker, for hosts without bubblewrap) plugs in at this seam only.
 */
import { BwrapDriver, type BwrapDriverOptions } from './bwrap/driver.ts';
import type { SandboxDriver } from './driver.ts';

/** What every driver is configured with (the server's configuration has these fields). */
export type DriverConfig = Pick<BwrapDriverOptions, 'limits' | 'stateDir' | 'instance' | 'uidBase' | 'startTimeoutMs'> & {
  memoryReserveBytes?: number;
};

export function createDriver(config: DriverConfig): SandboxDriver {
  return new BwrapDriver({
    limits: config.limits,
    stateDir: config.stateDir,
    instance: config.instance,
    uidBase: config.uidBase,
    startTimeoutMs: config.startTimeoutMs,
    memoryReserveBytes: config.memoryReserveBytes,
  });
}
