import { z } from 'zod';
import { blockId, markdown, text } from '../shared.ts';

/** Block scalars end with a newline; the replay shows what was typed and printed. */
const trimEnd = (s: string) => s.replace(/\s+$/, '');

export const terminalStep = z.object({
  command: text('The command as typed; may span several lines').transform(trimEnd),
  output: text('What the command printed, recorded from a real run; may be empty').default('').transform(trimEnd),
  narration: text('What this step shows, told alongside it (plain text: `code` spans and **bold** shown as such)').optional(),
});

/**
 * Where a replay was recorded from, for `./drillbook record` and `replays verify`.
 * Rendering ignores it: readers see the same replay with or without it.
 */
export const terminalRecord = z.object({
  script: text(
    'The replay script the outputs were recorded from, relative to the course folder (e.g. `foundations/replays/pg-dump.sh`); `./drillbook replays verify` re-runs it in a fresh sandbox and compares every output, volatile parts masked',
  ),
  setup: text('A lab id whose setup ran in the sandbox before the script (`record --sandbox-setup`)').optional(),
});

export const terminalSchema = z.object({
  id: blockId,
  record: terminalRecord
    .optional()
    .describe('Set by `./drillbook record`: the script this replay was recorded from; without it the replay is not re-verified'),
  title: text('Heading shown above the replay').optional(),
  scenario: markdown('The situation the session takes place in').optional(),
  description: markdown('Intro text under the heading').optional(),
  steps: z.array(terminalStep).min(1).describe('The recorded steps, in order'),
});

export type Terminal = z.infer<typeof terminalSchema>;
