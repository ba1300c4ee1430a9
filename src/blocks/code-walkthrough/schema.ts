import { z } from 'zod';
import { blockId, catalogueIssue, markdown, text } from '../shared.ts';

export const annotation = z.object({
  line: z
    .preprocess((v) => (typeof v === 'string' && /^\s*\d+/.test(v) ? Number(/\d+/.exec(v)?.[0]) : v), z.number().int().min(1))
    .describe('1-based line in `code` the note is about (for a range such as "3-5", its first line)'),
  text: text('The note shown for that line (plain text: `code` spans and **bold** shown as such)'),
});

export const codeWalkthroughSchema = z
  .object({
    id: blockId,
    title: text('Heading shown above the code').optional(),
    language: text('Highlighting language (bash, sql, ini, ...); plain text when absent').optional(),
    description: markdown('Intro text under the heading').optional(),
    code: text('The code walked through').transform((s) => s.replace(/\n+$/, '')),
    annotations: z.array(annotation).default([]).describe('Notes in the order they are stepped through'),
  })
  .superRefine((w, ctx) => {
    const lines = w.code.split('\n').length;
    w.annotations.forEach((a, i) => {
      if (a.line > lines) catalogueIssue(ctx, ['annotations', i, 'line'], 'AnnotationOutOfRange', { line: a.line, lines });
    });
  });

export type CodeWalkthrough = z.infer<typeof codeWalkthroughSchema>;
