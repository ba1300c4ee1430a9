/** The course's MDX pages by course-relative path (src/integration/mdx-pages.ts). */
declare module 'virtual:drillbook/mdx-pages' {
  const pages: Record<string, () => Promise<{ Content: import('astro/runtime/server/index.js').AstroComponentFactory }>>;
  export default pages;
}
