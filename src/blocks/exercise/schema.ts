import { z } from 'zod';
import { blockId, catalogueIssue, markdown, text } from '../shared.ts';

export const exerciseTask = z.object({
  prompt: markdown('What the learner is asked to do'),
  hint: text('A nudge, hidden until asked for (plain text; bare code is shown as code)').optional(),
  answer: markdown('The expected answer, hidden until asked for').optional(),
});

export const exerciseSchema = z
  .object({
    id: blockId,
    title: text('Heading shown above the exercise').optional(),
    difficulty: text('beginner, intermediate or advanced').optional(),
    description: markdown('What the exercise is about').optional(),
    scenario: markdown('The situation, may hold fenced code').optional(),
    language: text('Language of the starter and solution code (code exercises)').optional(),
    starter: text('Code the learner starts from (code exercises)').optional(),
    hints: z.array(text('A hint (plain text; bare code is shown as code)')).default([]).describe('Hints, revealed one at a time'),
    tasks: z.array(exerciseTask).default([]).describe('Separate questions, each with its own hint and answer'),
    solution: markdown('The worked solution, hidden until asked for').optional(),
    solutionCode: text('The solution of a code exercise: bare code in `language`, hidden until asked for').optional(),
  })
  .superRefine((e, ctx) => {
    if (!e.scenario && !e.description && e.tasks.length === 0 && !e.starter) catalogueIssue(ctx, [], 'UnknownExerciseShape', {});
  });

export type Exercise = z.infer<typeof exerciseSchema>;
