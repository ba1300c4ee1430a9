/** Mermaid bodies are diagram source, not YAML: the whole body is `source`. */
import { defineBlock } from '../define.ts';
import { mermaidSchema } from './schema.ts';

export const mermaidBlock = defineBlock({
  type: 'mermaid',
  yaml: false,
  normalise: (raw) => ({ input: raw, authorPath: (p) => p }),
  schema: mermaidSchema,
});
