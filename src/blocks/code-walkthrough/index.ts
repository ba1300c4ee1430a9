/** Code walkthroughs have one shape (FORMAT.md §2): the normaliser only picks fields. */
import { defineBlock } from '../define.ts';
import { codeWalkthroughSchema } from './schema.ts';

export const codeWalkthroughBlock = defineBlock({
  type: 'code-walkthrough',
  yaml: true,
  normalise: (raw) => ({ input: raw, authorPath: (p) => p }),
  schema: codeWalkthroughSchema,
  component: 'CodeWalkthrough.astro',
});
