/**
 * `drillbook up` / `serve`: the built site plus, when enabled, sandbox mode.
 * Configuration comes from the environment (src/config/settings.ts); `--dir`
 * and `--port` override DRILLBOOK_SITE_DIR and PORT. Without bubblewrap or the
 * database servers the server refuses to start and says how to install them,
 * unless DRILLBOOK_SANDBOX=off asks for the static site alone.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { contentDir } from '../course/config.ts';
import { loadCourse } from '../course/load-course.ts';
import { courseLabs } from '../labs/course-labs.ts';
import { LabService } from '../labs/service.ts';
import { loadOrCreateToolKey } from '../lti/keys.ts';
import { loadRegistrations, type Registrations } from '../lti/registrations.ts';
import { LtiService } from '../lti/service.ts';
import { chooseDriver } from '../sandbox/create-driver.ts';
import { SandboxManager } from '../sandbox/manager.ts';
import { buildApp } from '../server/app.ts';
import { ConfigError, hostCapacity, loadServerConfig, publicOrigin, type ServerConfig } from '../server/config.ts';
import { Placement } from '../server/placement.ts';
import { loadOrCreateSecret } from '../server/secret.ts';
import { openBus, SandboxHosts, type Bus } from '../store/cluster.ts';
import { openStore } from '../store/index.ts';
import { Instructors } from '../workshops/instructors.ts';
import { courseOutline } from '../workshops/outline.ts';
import { WorkshopService, type ClusterNote } from '../workshops/service.ts';

const log = (line: string) => process.stderr.write(`drillbook: ${line}\n`);

/** Host names the server answers for besides localhost and IP addresses: HOST and the public URL's host. */
export function allowedHosts(c: Pick<ServerConfig, 'host' | 'publicUrl' | 'allowedHosts'>): string[] {
  const out = [...c.allowedHosts];
  if (c.host !== '0.0.0.0' && c.host !== '::') out.push(c.host);
  if (c.publicUrl) out.push(new URL(c.publicUrl).host);
  return out;
}

export async function runServe(args: string[]): Promise<number> {
  let opts;
  try {
    opts = parseArgs({ args, options: { dir: { type: 'string' }, port: { type: 'string' } }, strict: true }).values;
  } catch (e) {
    log(`serve: ${(e as Error).message}. usage: drillbook serve [--dir SITE_DIR] [--port PORT]`);
    return 2;
  }
  const env = { ...process.env };
  if (opts.dir) env['DRILLBOOK_SITE_DIR'] = opts.dir;
  if (opts.port) env['PORT'] = opts.port;
  let config;
  try {
    config = loadServerConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      log(e.message);
      return 2;
    }
    throw e;
  }
  if (!existsSync(join(config.siteDir, 'index.html'))) {
    log(`no built site in ${config.siteDir} (no index.html). Run ./drillbook build first.`);
    return 1;
  }

  // The OOM killer picks sandboxes (their processes start at +500) long before the server.
  try {
    writeFileSync('/proc/self/oom_score_adj', '-900');
  } catch {
    // Lowering it needs CAP_SYS_RESOURCE (not root, or a container's root without it): sandboxes still rank above us.
    if (config.sandbox)
      log('the server cannot lower its own OOM score (that needs CAP_SYS_RESOURCE); sandbox processes (+500) are still killed first');
  }

  let manager: SandboxManager | null = null;
  // Several servers sharing a PostgreSQL store: where sandboxes are (set once the store is open).
  let placement: Placement | null = null;
  // Set once the store is open (the manager hooks below tell it where sandboxes are).
  let workshops: WorkshopService | undefined = undefined;
  if (config.sandbox) {
    const { driver, why } = await chooseDriver(config);
    log(`sandbox driver: ${driver.name} (${why})`);
    const pre = await driver.preflight();
    if (!pre.ok) {
      log(`cannot start: ${pre.message}`);
      return 1;
    }
    const cleaned = await driver.cleanupLeftovers();
    if (cleaned) log(`removed ${cleaned} sandbox(es) left by an earlier run`);
    await driver.prepare(log);
    log(driver.describe());
    const together = totalmem() - config.memoryReserveBytes;
    if (config.maxSandboxes * config.limits.memoryBytes > together) {
      const mb = (b: number) => Math.round(b / 2 ** 20);
      log(
        `warning: ${config.maxSandboxes} sandboxes × ${mb(config.limits.memoryBytes)} MB is more than the ${mb(together)} MB all sandboxes may use together (RAM minus DRILLBOOK_MEMORY_RESERVE): ` +
          `past about ${Math.floor(together / config.limits.memoryBytes)} busy sandboxes the kernel stops processes in them. Lower DRILLBOOK_MAX_SANDBOXES or DRILLBOOK_SANDBOX_MEMORY to rule that out.`,
      );
    }
    manager = new SandboxManager(driver, {
      maxSandboxes: config.maxSandboxes,
      maxPerIp: config.maxSandboxesPerIp,
      poolSize: config.poolSize,
      idleTimeoutMs: config.idleTimeoutMs,
      unusedGraceMs: config.unusedGraceMs,
      lifetimeMs: config.lifetimeMs,
      maxViewers: config.maxViewers,
      log,
      onHeld: (learner, sandbox) => {
        placement?.held(learner, sandbox);
        workshops?.sandboxChanged();
      },
      onReleased: (learner, sandbox) => {
        placement?.released(learner, sandbox);
        workshops?.sandboxChanged();
      },
    });
    manager.start();
  } else {
    log('sandbox mode is off (DRILLBOOK_SANDBOX=off): serving the static site only');
  }

  let store;
  try {
    store = await openStore({ stateDir: config.stateDir, databaseUrl: config.databaseUrl });
  } catch (e) {
    log(`cannot open the results store: ${(e as Error).message}`);
    await manager?.shutdown();
    await manager?.driver.close();
    return 1;
  }
  log(`results store: ${store.engine}, ${store.where}`);
  let bus: Bus<ClusterNote> | undefined;
  if (store.engine === 'postgres' && config.databaseUrl) {
    // Any number of servers may share this store: each tells the others what it commits, and
    // records where its sandboxes are (docs/deploy.md).
    try {
      bus = await openBus<ClusterNote>(config.databaseUrl, config.serverId, log);
    } catch (e) {
      log(`cannot listen for other servers' notes on the results store: ${(e as Error).message}`);
      await store.close();
      await manager?.shutdown();
      await manager?.driver.close();
      return 1;
    }
    placement = new Placement(new SandboxHosts(store.db, config.serverId), log, config.lifetimeMs);
    await placement.purgeExpired();
    log(`server id ${config.serverId} (DRILLBOOK_SERVER_ID): live views and learners' streams follow every server on this store`);
  }
  const course = loadCourse(contentDir());
  let instructors: Instructors;
  try {
    instructors = await Instructors.load(config.stateDir, config.instructorPassword);
  } catch (e) {
    log((e as Error).message);
    await store.close();
    await manager?.shutdown();
    await manager?.driver.close();
    return 2;
  }
  log(
    instructors.names.length > 0
      ? `instructors who sign in with a password: ${instructors.names.join(', ')}`
      : 'no instructor passwords (DRILLBOOK_INSTRUCTOR_PASSWORD): instructors sign in with ./drillbook workshop link',
  );
  // Instructors taken off DRILLBOOK_INSTRUCTOR_PASSWORD lose every session now (and expired sessions go).
  const ended = await store.workshops.endInstructorSessions(instructors.removed).catch((e: unknown) => {
    log(`cannot end instructor sessions: ${(e as Error).message}`);
    return 0;
  });
  if (instructors.removed.length > 0)
    log(`no longer instructors: ${instructors.removed.join(', ')} (${ended} session${ended === 1 ? '' : 's'} ended)`);
  workshops = new WorkshopService({
    store,
    outline: courseOutline(course),
    manager,
    hostCapacity: manager ? hostCapacity(config, totalmem()) : 0,
    prewarmMs: config.prewarmMs,
    publicOrigin: publicOrigin(config),
    base: '/',
    log,
    bus,
    serverId: bus ? config.serverId : undefined,
  });
  await workshops.start();
  let labs: LabService | null = null;
  if (manager) {
    const found = courseLabs(course);
    labs = new LabService(found, manager, store.results, { checkIntervalMs: 3_000, workshopOf: workshops.workshopOf, listener: workshops });
    log(`labs: ${found.size} in ${contentDir()}`);
  }

  let lti: LtiService | null = null;
  if (config.ltiPlatforms) {
    let registrations: Registrations;
    try {
      registrations = loadRegistrations(config.ltiPlatforms);
    } catch (e) {
      log((e as Error).message);
      workshops.stop();
      await store.close();
      await manager?.shutdown();
      await manager?.driver.close();
      return 2;
    }
    const key = await loadOrCreateToolKey(store.lti, config.stateDir, log);
    lti = new LtiService({
      store,
      workshops,
      registrations,
      key,
      publicOrigin: publicOrigin(config),
      scorePolicy: config.ltiScore,
      log,
    });
    lti.start();
    log(
      `LTI 1.3: ${registrations.platforms.map((p) => p.name).join(', ')}; tool key ${key.kid}; login ${publicOrigin(config)}/lti/login, launch ${lti.launchUrl}, keys ${publicOrigin(config)}/lti/jwks`,
    );
  }

  const secret = config.secret ?? loadOrCreateSecret(config.stateDir);
  const app = await buildApp({
    config: {
      siteDir: config.siteDir,
      secret,
      allowedOrigins: [...config.allowedOrigins, ...(config.publicUrl ? [config.publicUrl] : [])],
      allowedHosts: allowedHosts(config),
      trustProxy: config.trustProxy,
      startRatePerLearner: config.startRatePerLearner,
      startRatePerIp: config.startRatePerIp,
    },
    manager,
    labs,
    workshops,
    instructors,
    lti,
    log,
    placement,
  });
  await app.listen({ port: config.port, host: config.host });
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  process.stdout.write(`Drillbook is up: http://${shown}:${config.port}/${manager ? ' (sandbox mode on)' : ''}\n`);
  await new Promise<void>((ok) => {
    const stop = () => ok();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log('shutting down: ending every sandbox');
  // Sandboxes first: learners are told while their sockets are still open; then the HTTP server.
  await manager?.shutdown();
  await manager?.driver.close();
  workshops.stop();
  await lti?.stop();
  await app.close();
  // Every sandbox here ended: none of them was lost.
  await placement?.releaseAll().catch((e: unknown) => log(`placement: ${String(e)}`));
  await bus?.close();
  await store.close();
  return 0;
}
