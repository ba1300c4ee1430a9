// Integrations only; behaviour lives in src/. The DRILLBOOK_* settings are
// read by src/course/config.ts.
import mdx from '@astrojs/mdx';
import courseAssets from './src/integration/course-assets.ts';
import { mdxNeeded, mdxPagesPlugin, mdxProcessor } from './src/integration/mdx-pages.ts';
import { siteBase, siteOutDir } from './src/course/config.ts';

// A plain object, typed, rather than `defineConfig` from 'astro/config': that entry point loads svgo, its CSS
// parsers, font providers and session drivers (~270 of a build's ~1,740 modules) that this site never uses.
/** @type {import('astro').AstroUserConfig} */
export default {
  base: siteBase(),
  outDir: siteOutDir(),
  trailingSlash: 'ignore',
  build: { format: 'directory' },
  // MDX pages of the course are compiled by @astrojs/mdx from Drillbook's own parse (src/integration/mdx-pages.ts).
  markdown: { processor: mdxProcessor() },
  // @astrojs/mdx only where MDX pages can be (mdxNeeded): a course without one builds faster without it.
  integrations: [...(mdxNeeded() ? [mdx({ syntaxHighlight: false })] : []), courseAssets()],
  devToolbar: { enabled: false },
  // mermaid's chunks are large but load only when a diagram scrolls near.
  vite: { plugins: [mdxPagesPlugin()], build: { chunkSizeWarningLimit: 3000 } },
};
