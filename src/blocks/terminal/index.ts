/** Terminal replays have one shape (FORMAT.md §2): the normaliser only picks fields. */
import { defineBlock } from '../define.ts';
import { terminalSchema } from './schema.ts';

export const terminalBlock = defineBlock({
  type: 'terminal',
  yaml: true,
  normalise: (raw) => ({ input: raw, authorPath: (p) => p }),
  schema: terminalSchema,
  component: 'Terminal.astro',
});
