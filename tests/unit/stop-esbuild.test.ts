import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { children } from '../../src/cli/children.ts';
import { stopEsbuildAfterBundling } from '../../src/integration/course-assets.ts';

// The esbuild Astro uses, as the plugin finds it.
const esbuild = createRequire(fileURLToPath(import.meta.resolve('astro')))('esbuild') as typeof import('esbuild');
const running = () => children().filter((c) => c.name === 'esbuild');

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await sleep(10);
}

describe('the build stops esbuild once Vite has bundled', () => {
  it("ends Astro's esbuild service before the pages render, and a later transform starts it again", async () => {
    await esbuild.transform('const a = import.meta.env.X', { define: { 'import.meta.env.X': '1' } });
    expect(running()).toHaveLength(1);

    const plugin = stopEsbuildAfterBundling();
    // A post hook: Vite runs it after the bundles are built, before Astro's own post hook renders the pages.
    const hook = plugin.buildApp as { order: string; handler: () => Promise<void> };
    expect(hook.order).toBe('post');
    await hook.handler();
    await until(() => running().length === 0);
    expect(running()).toEqual([]);

    const again = await esbuild.transform('const a = import.meta.env.X', { define: { 'import.meta.env.X': '1' } });
    expect(again.code).toBe('const a = 1;\n');
    await esbuild.stop();
  });
});
