/** Where a site publishes KaTeX's styles and fonts (relative to the site base), and where they come from in the katex package. */
export const KATEX_DIR = '_drillbook/katex';
export const KATEX_STYLES = `${KATEX_DIR}/katex.min.css`;
export const KATEX_PACKAGE_FILES = { styles: 'dist/katex.min.css', fonts: 'dist/fonts' } as const;
