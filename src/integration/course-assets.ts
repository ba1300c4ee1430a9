/**
 * Astro integration: the course folder's non-Markdown files (images,
 * downloads) are served in dev and copied into the build at the same paths,
 * so links and images resolve exactly as in the source tree.
 */
import { copyFileSync, createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { AstroIntegration } from 'astro';
import type { Plugin } from 'vite';
import { flushCaches, useCacheDir } from '../cache/store.ts';
import { cacheDir } from '../course/config.ts';
import { siteCourse } from '../course/site-course.ts';
import { watchCourse } from './dev-reload.ts';
import { ownModulesAsTheyAre } from './own-modules.ts';
import { publishVendor, VENDOR_PUBLISHED, vendorMiddleware } from './vendor.ts';

const TYPES: Record<string, string> = {
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

export default function courseAssets(): AstroIntegration {
  return {
    name: 'drillbook-course-assets',
    hooks: {
      'astro:config:setup': ({ updateConfig, command }) => {
        // The build cache (src/cache/store.ts) is on for builds and the dev server; written when a build is done.
        useCacheDir(cacheDir());
        if (command === 'build') {
          // The pages import our modules from src/ as they are, sharing the build command's (own-modules.ts).
          updateConfig({ vite: { plugins: [stopEsbuildAfterBundling(), ownModulesAsTheyAre()] } });
          return;
        }
        // The watcher and middleware are the dev server's: a build starts a Vite server too (Astro's content sync), where
        // watching the course folder is work for nothing.
        if (command !== 'dev') return;
        updateConfig({
          vite: {
            plugins: [
              {
                name: 'drillbook-course-assets-dev',
                configureServer(server) {
                  watchCourse(server);
                  server.middlewares.use(vendorMiddleware(siteCourse().index.base));
                  server.middlewares.use((req, res, next) => {
                    const course = siteCourse();
                    const path = decodeURIComponent((req.url ?? '').split(/[?#]/)[0] ?? '').replace(course.index.base, '');
                    if (!course.index.assets.has(path)) return next();
                    const file = normalize(join(course.dir, path));
                    if (!file.startsWith(course.dir + sep) || !existsSync(file)) return next();
                    res.setHeader('content-type', TYPES[path.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream');
                    res.setHeader('content-length', String(statSync(file).size));
                    createReadStream(file).pipe(res);
                  });
                },
              },
            ],
          },
        });
      },
      'astro:build:done': async ({ dir, logger }) => {
        const course = siteCourse();
        const out = fileURLToPath(dir);
        for (const asset of course.index.assets) {
          const dest = join(out, asset);
          mkdirSync(dirname(dest), { recursive: true });
          copyFileSync(join(course.dir, asset), dest);
        }
        logger.info(`copied ${course.index.assets.size} course asset(s) from ${course.dir}`);
        if (process.env[VENDOR_PUBLISHED] !== '1')
          logger.info(`published ${await publishVendor(out)} prebuilt file(s) of mermaid and KaTeX`);
        flushCaches();
      },
    },
  };
}

/**
 * Astro replaces `import.meta.env` in its own runtime modules with esbuild's
 * transform while Vite bundles, which starts esbuild's service process
 * (~14 MB). Nothing uses it once the bundles are written, yet it ran until
 * the build ended, through the rendering of every page, where a cold build's
 * memory is highest. This Vite hook runs after Astro's bundling and before
 * Astro's own post hook renders the pages (a post `buildApp` hook of a normal
 * plugin comes before one of an `enforce: 'post'` plugin); esbuild's stop()
 * ends the service, and a later call would start it again.
 */
export function stopEsbuildAfterBundling(): Plugin {
  return {
    name: 'drillbook-stop-esbuild',
    buildApp: {
      order: 'post',
      async handler() {
        // Astro's esbuild: resolved from Astro's own folder, the instance whose service it started.
        const esbuild = createRequire(fileURLToPath(import.meta.resolve('astro')))('esbuild') as { stop(): Promise<void> };
        await esbuild.stop();
      },
    },
  };
}
