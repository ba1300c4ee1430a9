/**
 * `drillbook-sandbox:<key>` without a container registry (`./drillbook
 * sandbox image`, and the Docker driver's prepare()):
 *
 * 1. base `drillbook-sandbox-base:<base key>`: debootstrap's minimal Debian
 *    bookworm from the mirror apt uses here, packages.sh run in it
 *    (host/image-base), imported into the daemon;
 * 2. the image: a container of the base (no network, a tmpfs /var) gets the
 *    build context (context.ts) and runs finish.sh (layout, Drillbook's files,
 *    the server data templates made as the learner), then is committed.
 *
 * Each stage is rebuilt only when its key changes. Both are also kept as
 * `docker save` archives in STATE_DIR/image/, so a fresh daemon (CI's, a
 * private daemon whose data was removed) loads them instead of building.
 * The Dockerfile in the context builds the same image from debian:bookworm-slim.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { run, start } from '../spawn.ts';
import { ensurePackages } from './apt.ts';
import { BASE_REPO, baseKey, hashTree, IMAGE_REPO, IMAGE_SOURCES, stageContext } from './context.ts';
import { demux } from './streams.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const IMAGE_BASE = resolve(HERE, '../host/image-base');

/** The command a sandbox container starts with: its init, confined (as every process inside). */
export const INIT_CMD = ['/usr/bin/perl', '/opt/drillbook/libexec/confine', '/opt/drillbook/libexec/init'];

export interface ImageRef {
  ref: string;
  key: string;
}

/** The image this checkout's files make, staged to compute the key (the staged context is removed). */
export function currentImage(stateDir: string): ImageRef & { context: string } {
  // Named drillbook-image inside a folder of its own: that is its name in the build container's /tmp.
  const dir = join(stateDir, 'image', `context.tmp-${process.pid}`, 'drillbook-image');
  stageContext(dir);
  const key = hashTree(dir);
  return { ref: `${IMAGE_REPO}:${key}`, key, context: dir };
}

async function exists(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Waits for a progress stream (import, load) to end; rejects with the daemon's error. */
function followProgress(docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((ok, fail) =>
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
      const e = err?.message ?? out.find((o) => o.error)?.error;
      if (e) fail(new Error(e));
      else ok();
    }),
  );
}

/** The Debian mirror apt uses on this host (its sources), else deb.debian.org. */
export function hostMirror(sources = ['/etc/apt/sources.list', ...listSources('/etc/apt/sources.list.d')]): string {
  for (const f of sources) {
    let text = '';
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const m = /^\s*(?:deb\s+(?:\[[^\]]*\]\s+)?|URIs:\s*)(https?:\/\/\S+)/.exec(line);
      if (m && !/security/.test(m[1]!) && /debian/.test(m[1]!)) return m[1]!.replace(/\/$/, '');
    }
  }
  return 'http://deb.debian.org/debian';
}

function listSources(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => /\.(list|sources)$/.test(f))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** Saves `ref` as a `docker save` archive at `file` (written beside it, then renamed). */
async function saveArchive(docker: Docker, ref: string, file: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await pipeline(await docker.getImage(ref).get(), createWriteStream(tmp));
  renameSync(tmp, file);
}

async function loadArchive(docker: Docker, file: string): Promise<void> {
  await followProgress(docker, await docker.loadImage(createReadStream(file), { quiet: true }));
}

/** Removes the archives of `repo` in `dir` (`<repo>-<key>.tar`) other than `keep`. */
export function pruneArchives(dir: string, repo: string, keep: string): void {
  const mine = new RegExp(`^${repo}-[0-9a-f]{16}\\.tar$`);
  for (const f of readdirSync(dir)) if (mine.test(f) && f !== keep) rmSync(join(dir, f), { force: true });
}

/**
 * The sandbox image for this checkout in `docker`: there already, loaded
 * from the state dir's archive, or built (minutes; `log` says what happens).
 * `force` builds both stages again.
 */
export async function ensureImage(
  docker: Docker,
  stateDir: string,
  log: (line: string) => void,
  opts: { force?: boolean } = {},
): Promise<ImageRef> {
  const dir = join(stateDir, 'image');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const img = currentImage(stateDir);
  try {
    if (!opts.force && (await exists(docker, img.ref))) return img;
    const archive = join(dir, `${IMAGE_REPO}-${img.key}.tar`);
    if (!opts.force && existsSync(archive)) {
      log(`loading the sandbox image ${img.ref} from ${archive}…`);
      await loadArchive(docker, archive);
      if (await exists(docker, img.ref)) return img;
    }
    const base = await ensureBase(docker, dir, log, opts.force ?? false);
    log(`building the sandbox image ${img.ref} (layout, Drillbook's files, server data templates)…`);
    const t0 = Date.now();
    await finishStage(docker, base, img, log);
    log(`sandbox image ${img.ref} built in ${Math.round((Date.now() - t0) / 1000)} s; keeping a copy in ${archive}`);
    await saveArchive(docker, img.ref, archive);
    pruneArchives(dir, IMAGE_REPO, `${IMAGE_REPO}-${img.key}.tar`);
    return img;
  } finally {
    rmSync(resolve(img.context, '..'), { recursive: true, force: true });
  }
}

/** Stage 1: Debian and its packages (see the top of this file). */
async function ensureBase(docker: Docker, dir: string, log: (line: string) => void, force: boolean): Promise<string> {
  const key = baseKey();
  const ref = `${BASE_REPO}:${key}`;
  if (!force && (await exists(docker, ref))) return ref;
  const archive = join(dir, `${BASE_REPO}-${key}.tar`);
  if (!force && existsSync(archive)) {
    log(`loading the image base ${ref} from ${archive}…`);
    await loadArchive(docker, archive);
    if (await exists(docker, ref)) return ref;
  }
  if (process.getuid?.() !== 0) throw new Error('building the sandbox image needs root (debootstrap and chroot)');
  await ensurePackages(['debootstrap'], log);
  const mirror = hostMirror();
  const rootfs = join(dir, `rootfs.tmp-${process.pid}`);
  log(
    `building the image base ${ref}: Debian bookworm from ${mirror} (debootstrap), then PostgreSQL 15, MariaDB 10.11 and the lesson tools (a few minutes, once)…`,
  );
  const t0 = Date.now();
  try {
    const r = await run([IMAGE_BASE, rootfs, mirror, join(IMAGE_SOURCES, 'packages.sh')], { timeoutMs: 1_800_000 });
    if (r.code !== 0) throw new Error(`building the image base failed (exit ${r.code}): ${r.stderr.trim()}`);
    // The file system as it is, as root's: /proc, /sys, /dev and /run are the runtime's.
    const tar = start(
      [
        'tar',
        '--numeric-owner',
        '--xattrs',
        '-C',
        rootfs,
        '--exclude=./proc/*',
        '--exclude=./sys/*',
        '--exclude=./dev/*',
        '--exclude=./run/*',
        '--exclude=./tmp/*',
        '-c',
        '.',
      ],
      { PATH: '/usr/bin:/bin' },
    );
    const tarDone = new Promise<number | null>((ok) => tar.on('close', ok));
    await followProgress(docker, await docker.importImage(tar.stdout!, { repo: BASE_REPO, tag: key }));
    if ((await tarDone) !== 0) throw new Error('archiving the image base failed');
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
    rmSync(`${rootfs}.log`, { force: true });
  }
  log(`image base ${ref} built in ${Math.round((Date.now() - t0) / 1000)} s; keeping a copy in ${archive}`);
  await saveArchive(docker, ref, archive);
  pruneArchives(dir, BASE_REPO, `${BASE_REPO}-${key}.tar`);
  return ref;
}

/** Stage 2: finish.sh in a container of the base, committed as the image. */
async function finishStage(docker: Docker, base: string, img: ImageRef & { context: string }, log: (line: string) => void) {
  const container = await docker.createContainer({
    Image: base,
    User: '0:0',
    Cmd: ['/bin/bash', '/tmp/drillbook-image/finish.sh'],
    WorkingDir: '/',
    Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8'],
    Labels: { 'drillbook.image-build': img.key },
    HostConfig: {
      NetworkMode: 'none',
      // The templates are made in a /var of their own, so nothing of the base's /var mixes in.
      Tmpfs: { '/var': 'exec,size=1g,mode=755', '/run': 'size=64m,mode=755' },
      LogConfig: { Type: 'none', Config: {} },
    },
  });
  try {
    const context = start(['tar', '--owner=0', '--group=0', '-C', resolve(img.context, '..'), '-c', 'drillbook-image'], {
      PATH: '/usr/bin:/bin',
    });
    await container.putArchive(context.stdout!, { path: '/tmp' });
    const stream = await container.attach({ stream: true, stdout: true, stderr: true, hijack: true });
    let out = '';
    const collect = (b: Buffer) => (out = (out + b.toString('utf8')).slice(-8000));
    demux(stream, collect, collect);
    const exit = container.wait({ condition: 'next-exit' });
    await container.start();
    const { StatusCode } = (await exit) as { StatusCode: number };
    if (StatusCode !== 0) {
      throw new Error(`building the sandbox image failed (finish.sh exit ${StatusCode}):\n${out.trim().split('\n').slice(-15).join('\n')}`);
    }
    await container.commit({
      repo: IMAGE_REPO,
      tag: img.key,
      comment: 'Drillbook sandbox image (src/sandbox/docker/image.ts)',
      changes: ['USER 1000:1000', 'WORKDIR /', `CMD ${JSON.stringify(INIT_CMD)}`, `LABEL drillbook.image-key=${img.key}`],
    });
    log('sandbox image committed');
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}
