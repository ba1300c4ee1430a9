/** Mermaid bodies are diagram source, not YAML: the whole body is `source`. */
import { defineBlock } from '../define.ts';
import { mermaidMarkup } from './markup.ts';
import { mermaidSchema } from './schema.ts';

export const mermaidBlock = defineBlock({
  type: 'mermaid',
  yaml: false,
  normalise: (raw) => ({ input: raw, authorPath: (p) => p }),
  schema: mermaidSchema,
  component: 'Mermaid.astro',
  // A ```mermaid fence that is not a block (indented, ~~~, in a block's Markdown) still draws.
  proseMarkup: mermaidMarkup,
});
