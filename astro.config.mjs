// Integrations only; behaviour lives in src/. The DRILLBOOK_* settings are
// read by src/course/config.ts.
import mdx from '@astrojs/mdx';
import { defineConfig } from 'astro/config';
import courseAssets from './src/integration/course-assets.ts';
import { siteBase, siteOutDir } from './src/course/config.ts';

export default defineConfig({
  base: siteBase(),
  outDir: siteOutDir(),
  trailingSlash: 'ignore',
  build: { format: 'directory' },
  integrations: [mdx(), courseAssets()],
  devToolbar: { enabled: false },
  // mermaid's chunks are large but load only when a diagram scrolls near.
  vite: { build: { chunkSizeWarningLimit: 3000 } },
});
