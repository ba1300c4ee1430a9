/** Mermaid bodies are diagram source, not YAML: the whole body is `source`. */
import { problem } from '../../problems/catalogue.ts';
import { defineBlock } from '../define.ts';
import { mermaidMarkup } from './markup.ts';
import { checkDiagrams, parseDiagram } from './parse.ts';
import { mermaidSchema } from './schema.ts';

/** mermaid's parser on one diagram whose first source line is the line after `fenceLine`. */
async function check(source: string, at: { file: string; line: number; path?: string }, exact: boolean) {
  const e = await parseDiagram(source);
  if (!e) return [];
  const line = exact && e.line !== undefined ? at.line + e.line : undefined;
  return [problem('DiagramSyntax', { file: at.file, line: at.line, block: 'mermaid', path: at.path ?? '' }, { detail: e.detail, line })];
}

export const mermaidBlock = defineBlock({
  type: 'mermaid',
  yaml: false,
  normalise: (raw) => ({ input: raw, authorPath: (p) => p }),
  schema: mermaidSchema,
  component: 'Mermaid.astro',
  // A ```mermaid fence that is not a block (indented, ~~~, in a block's Markdown) still draws.
  proseMarkup: mermaidMarkup,
  verify: (data, at) => check(data.source, at, true),
  // In a block's Markdown field the fence's own line is not known, only the block's.
  verifyFence: (source, at) => check(source, at, at.path === ''),
  // Every new diagram of the course given to a worker thread at once; the checks above wait for their own diagram's
  // result (a failure reaches them through it).
  prepareVerify: (items) => void checkDiagrams(items.map((i) => i.data?.source ?? i.source ?? '')).catch(() => undefined),
});
