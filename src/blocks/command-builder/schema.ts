import { z } from 'zod';
import { blockId, catalogueIssue, markdown, text } from '../shared.ts';
import { targetsOf } from './conflicts.ts';

export const builderChoice = z.object({
  value: text('Text added to the command when chosen; may be empty, hold several flags, quotes or <placeholders>'),
  label: text('What the learner sees for this choice'),
});

export const builderPiece = z.object({
  kind: z
    .enum(['choice', 'text', 'switch'])
    .describe('choice: pick one of `choices`; text: free input; switch: on adds `flag`, off adds nothing'),
  flag: text('Flag written before the value (may be empty: then the value is the whole piece)').default(''),
  label: text('Name of the piece shown to the learner'),
  explanation: text('What the piece means, shown beside it (plain text: `code` spans and **bold** shown as such)').optional(),
  group: text('Group heading this piece is listed under').optional(),
  required: z.boolean().default(false).describe('Whether the piece must be chosen (template parts)'),
  placeholder: text('Hint shown in an empty text input').optional(),
  choices: z.array(builderChoice).default([]).describe('Values for a choice piece, in order'),
});

export const builderConflict = z.object({
  flags: z
    .array(text('A flag or a choice value, as an option of this builder writes it'))
    .min(2)
    .describe('Options that cannot be used together: choosing one disables the others'),
  reason: text('Why, shown beside the option that is disabled (plain text)').optional(),
});

export const builderRequirement = z.object({
  flags: z
    .array(text('A flag or a choice value, as an option of this builder writes it'))
    .default([])
    .describe('Options that need another: while any of them is in the command, one of `needs` must be too; empty or left out: always'),
  needs: z
    .array(text('A flag or a choice value, as an option of this builder writes it'))
    .min(1)
    .describe('Options of which at least one must be in the command (the tool refuses or misreads the command without)'),
  reason: text('Why, shown with what is still needed (plain text)').optional(),
});

export const commandBuilderSchema = z
  .object({
    id: blockId,
    title: text('Heading shown above the builder').optional(),
    description: markdown('Intro text under the heading').optional(),
    base: text('The start of the command, always present'),
    join: z.enum(['space', 'concat']).describe('space: pieces joined by single spaces (flags); concat: appended as-is (template parts)'),
    pieces: z.array(builderPiece).min(1).describe('The pieces in the order they are assembled'),
    // Optional rather than defaulted, so a builder written in code without it is still a CommandBuilder.
    conflicts: z.array(builderConflict).optional().describe('Groups of options the tool refuses together (see conflicts.ts)'),
    requires: z
      .array(builderRequirement)
      .optional()
      .describe(
        'Options the tool needs, always or together with others (see conflicts.ts); the command is incomplete until they are chosen',
      ),
  })
  .superRefine((b, ctx) => {
    (b.conflicts ?? []).forEach((g, i) =>
      g.flags.forEach((name, j) => {
        if (targetsOf(b.pieces, name).length === 0) catalogueIssue(ctx, ['conflicts', i, 'flags', j], 'BuilderConflictUnknown', { name });
      }),
    );
    (b.requires ?? []).forEach((r, i) =>
      (['flags', 'needs'] as const).forEach((key) =>
        r[key].forEach((name, j) => {
          if (targetsOf(b.pieces, name).length === 0) catalogueIssue(ctx, ['requires', i, key, j], 'BuilderRequiresUnknown', { name });
        }),
      ),
    );
  });

export type CommandBuilder = z.infer<typeof commandBuilderSchema>;
export type BuilderPiece = z.infer<typeof builderPiece>;
export type BuilderRequirement = z.infer<typeof builderRequirement>;
