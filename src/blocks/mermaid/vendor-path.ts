/** Where the site publishes mermaid's prebuilt ES modules (relative to the site base), and where they come from. */
export const MERMAID_DIR = '_drillbook/mermaid';
export const MERMAID_ENTRY = `${MERMAID_DIR}/mermaid.esm.min.mjs`;
/** In the mermaid package: the entry, and the folder of the chunks it imports (`./chunks/mermaid.esm.min/…`). */
export const MERMAID_PACKAGE_FILES = { entry: 'dist/mermaid.esm.min.mjs', chunks: 'dist/chunks/mermaid.esm.min' } as const;
