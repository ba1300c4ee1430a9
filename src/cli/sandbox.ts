/**
 * `drillbook sandbox image [--force] [--context DIR]`: the Docker driver's
 * image, `drillbook-sandbox:<content key>`, built locally without a registry
 * (src/sandbox/docker/image.ts) in the daemon the driver would use (a
 * private one is started, and stopped again, when none answers). It is built
 * only when its inputs changed; `--force` builds it again. `--context DIR`
 * writes the build context with its Dockerfile instead, for a host that can
 * pull debian:bookworm-slim (`docker build -t drillbook-sandbox DIR`).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DockerDaemon } from '../sandbox/docker/daemon.ts';
import { stageContext, hashTree, IMAGE_REPO } from '../sandbox/docker/context.ts';
import { ensureImage } from '../sandbox/docker/image.ts';
import { ConfigError, loadServerConfig } from '../server/config.ts';

const say = (line: string) => process.stderr.write(`drillbook sandbox: ${line}\n`);
const USAGE = 'usage: drillbook sandbox image [--force] [--context DIR]';

export async function runSandbox(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { force: { type: 'boolean' }, context: { type: 'string' } },
    });
  } catch (e) {
    say(`${(e as Error).message}. ${USAGE}`);
    return 2;
  }
  if (parsed.positionals.join(' ') !== 'image') {
    say(`unknown subcommand "${parsed.positionals.join(' ')}". ${USAGE}`);
    return 2;
  }
  if (parsed.values.context) {
    const dir = resolve(parsed.values.context);
    stageContext(dir);
    say(`build context written to ${dir} (image key ${hashTree(dir)})`);
    process.stdout.write(`docker build -t ${IMAGE_REPO}:${hashTree(dir)} ${dir}\n`);
    return 0;
  }
  let config;
  try {
    config = loadServerConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      say(e.message);
      return 2;
    }
    throw e;
  }
  const daemon = new DockerDaemon(config.stateDir, config.instance);
  try {
    const conn = await daemon.connect(say);
    say(`Docker daemon: ${conn.origin}`);
    const t0 = Date.now();
    const img = await ensureImage(conn.docker, config.stateDir, say, { force: parsed.values.force ?? false });
    say(`${img.ref} ready (${Math.round((Date.now() - t0) / 1000)} s)`);
    process.stdout.write(`${img.ref}\n`);
    return 0;
  } catch (e) {
    say((e as Error).message);
    return 1;
  } finally {
    await daemon.stop();
  }
}
