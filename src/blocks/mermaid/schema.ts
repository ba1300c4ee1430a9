import { z } from 'zod';
import { blockId } from '../shared.ts';

export const mermaidSchema = z.object({
  id: blockId,
  source: z.string().trim().min(1).describe('Mermaid diagram source, rendered to SVG in the browser'),
});

export type Mermaid = z.infer<typeof mermaidSchema>;
