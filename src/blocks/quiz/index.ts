import { defineBlock } from '../define.ts';
import { normaliseQuiz } from './normalise.ts';
import { quizSchema } from './schema.ts';

export const quizBlock = defineBlock({
  type: 'quiz',
  yaml: true,
  normalise: normaliseQuiz,
  schema: quizSchema,
  component: 'Quiz.astro',
});
