import { z } from 'zod';
import { blockId, bool, catalogueIssue, text } from '../shared.ts';

export const quizOption = z.object({
  text: text('What the learner picks; backticks render as code'),
  correct: bool('Whether this option is a right answer').default(false),
  feedback: text('Shown when the learner picks this option (plain text: `code` spans and **bold** shown as such)').optional(),
});

export const quizQuestion = z
  .object({
    question: text('The question asked'),
    multiple: z.boolean().describe('true for multiple-select (several right answers), false for single-answer'),
    options: z.array(quizOption).min(2).describe('The options in the order shown'),
  })
  .superRefine((q, ctx) => {
    const right = q.options.filter((o) => o.correct).length;
    if (right === 0) catalogueIssue(ctx, ['options'], 'QuizNoCorrect', { question: q.question });
    else if (!q.multiple && right > 1) catalogueIssue(ctx, ['options'], 'QuizSeveralCorrect', { question: q.question, count: right });
  });

export const quizSchema = z.object({
  id: blockId,
  title: text('Heading shown above the quiz').optional(),
  questions: z.array(quizQuestion).min(1).describe('One or more questions, scored together'),
});

export type Quiz = z.infer<typeof quizSchema>;
export type QuizQuestion = z.infer<typeof quizQuestion>;
