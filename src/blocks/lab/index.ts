import { defineBlock } from '../define.ts';
import { normaliseLab } from './normalise.ts';
import { labSchema } from './schema.ts';

export const labBlock = defineBlock({
  type: 'lab',
  yaml: true,
  normalise: normaliseLab,
  schema: labSchema,
  component: 'Lab.astro',
});
