import { z } from 'zod';
import { blockId } from '../shared.ts';

export const mermaidSchema = z.object({
  id: blockId,
  // Trailing blank space only: the source's lines stay the fence's lines, so a parse error's line is the file's.
  source: z
    .string()
    .transform((s) => s.trimEnd())
    .pipe(z.string().min(1))
    .describe('Mermaid diagram source, checked by mermaid at build time and rendered to SVG in the browser'),
});

export type Mermaid = z.infer<typeof mermaidSchema>;
