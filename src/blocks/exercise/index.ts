import { defineBlock } from '../define.ts';
import { normaliseExercise } from './normalise.ts';
import { exerciseSchema } from './schema.ts';

export const exerciseBlock = defineBlock({
  type: 'exercise',
  yaml: true,
  normalise: normaliseExercise,
  schema: exerciseSchema,
  component: 'Exercise.astro',
});
