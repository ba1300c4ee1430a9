import { defineBlock } from '../define.ts';
import { normaliseCommandBuilder } from './normalise.ts';
import { commandBuilderSchema } from './schema.ts';

export const commandBuilderBlock = defineBlock({
  type: 'command-builder',
  yaml: true,
  normalise: normaliseCommandBuilder,
  schema: commandBuilderSchema,
  component: 'CommandBuilder.astro',
});
