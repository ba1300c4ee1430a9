/**
 * The `lab` block: a sandbox prepared by setup steps, tasks for the learner,
 * and named checks that inspect the real servers' state afterwards. Any
 * correct path passes: checks look at state, never at commands typed.
 */
import { z } from 'zod';
import { blockId, catalogueIssue, markdown, text } from '../shared.ts';

/** The fact name that always holds the check run's random token (scratch names in checks). */
export const RUN_TOKEN = 'run';

export const labEngine = z.enum(['mariadb', 'postgresql']).describe('A server in the sandbox');

const probe = {
  engine: labEngine.optional().describe('Server that runs `sql` (required with sql)'),
  database: text('Database to connect to for `sql` (default: none for MariaDB, postgres for PostgreSQL)').optional(),
  sql: text('SQL run as the server admin').optional(),
  shell: text('Bash run as the learner inside the sandbox').optional(),
};

function oneProbe(s: { sql?: string | undefined; shell?: string | undefined; engine?: string | undefined }, ctx: z.RefinementCtx) {
  if ((s.sql === undefined) === (s.shell === undefined)) catalogueIssue(ctx, [], 'LabProbeShape', {});
  else if (s.sql !== undefined && !s.engine) catalogueIssue(ctx, ['engine'], 'LabSqlEngine', {});
}

export const labSetupStep = z
  .object({
    title: text('What the step does, shown while the lab starts').optional(),
    ...probe,
    record: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and "_" only')
      .optional()
      .describe('Name under which the step’s trimmed output is kept as a fact for the checks ({{name}}; "run" is reserved)'),
  })
  .superRefine(oneProbe);

export const labCheck = z
  .object({
    id: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and "-" only')
      .describe('Stable check id, unique in the lab'),
    title: text('What the check verifies, shown to the learner'),
    ...probe,
    expect: text('Expected trimmed output; {{fact}} is replaced by a recorded fact'),
    needs: z.array(z.string()).default([]).describe('Checks that must pass before this one runs'),
    guard: z
      .boolean()
      .default(false)
      .describe(
        'An invariant that already holds on a fresh setup (e.g. "the live database is untouched"): labs verify expects it to pass before the solution and reports it apart',
      ),
    fail: text('Shown when the check does not pass yet (`code` spans are shown as code)'),
    hint: text('A nudge shown with the failure: what to look at or try next (`code` spans are shown as code)'),
  })
  .superRefine(oneProbe);

export const labSchema = z
  .object({
    id: blockId,
    title: text('Heading of the lab'),
    engines: z.array(labEngine).min(1).describe('Servers the lab uses'),
    time: text('Estimated time, e.g. "20 min"'),
    description: markdown('The situation the learner finds').optional(),
    setup: z.array(labSetupStep).default([]).describe('Steps run before the learner starts, in order'),
    tasks: z.array(markdown('One task')).min(1).describe('What the learner is asked to do'),
    checks: z.array(labCheck).min(1).describe('Named checks run by "Check my work", in order'),
    solution: text('A bash script that solves the lab; hidden until the learner has tried'),
    alternatives: z
      .array(
        z.object({
          title: text('What differs from the solution, e.g. "--stop-datetime instead of positions"'),
          script: text('Bash that solves the lab another way; every check must pass afterwards'),
        }),
      )
      .default([])
      .describe('Other correct solutions (run by ./drillbook labs verify, never shown)'),
    mistakes: z
      .array(
        z.object({
          title: text('The realistic wrong way, e.g. "replays past the DROP"'),
          script: text('Bash that does it (it must run to the end: exit 0); the lab verifier expects checks not to pass afterwards'),
          fails: z
            .array(z.string())
            .default([])
            .describe(
              'Ids of the checks that must not pass after it (required: labs verify counts it caught when one of them ran and did not pass)',
            ),
          says: text('Words the learner must be shown by one of the checks that do not pass').optional(),
        }),
      )
      .default([])
      .describe('Wrong solutions the checks must catch (run by ./drillbook labs verify, never shown)'),
  })
  .superRefine((lab, ctx) => {
    const ids = new Set<string>();
    lab.checks.forEach((c, i) => {
      if (ids.has(c.id)) catalogueIssue(ctx, ['checks', i, 'id'], 'LabDuplicateCheck', { id: c.id });
      ids.add(c.id);
    });
    lab.checks.forEach((c, i) => {
      c.needs.forEach((n, j) => {
        const k = lab.checks.findIndex((o) => o.id === n);
        if (k < 0 || k >= i) catalogueIssue(ctx, ['checks', i, 'needs', j], 'LabUnknownNeed', { id: n });
      });
    });
    lab.setup.forEach((st, i) => {
      if (st.record === RUN_TOKEN) catalogueIssue(ctx, ['setup', i, 'record'], 'LabReservedFact', { name: st.record });
    });
    // {{run}} is the check run's random token; every other {{name}} must be recorded by a setup step.
    const facts = new Set([...lab.setup.map((s) => s.record).filter(Boolean), RUN_TOKEN]);
    lab.checks.forEach((c, i) => {
      for (const field of ['expect', 'sql', 'shell'] as const) {
        for (const m of (c[field] ?? '').matchAll(/\{\{\s*([a-z][a-z0-9_]*)\s*\}\}/g)) {
          if (!facts.has(m[1]!)) catalogueIssue(ctx, ['checks', i, field], 'LabUnknownFact', { name: m[1]!, field });
        }
      }
    });
    lab.checks.forEach((c, i) => {
      if (c.engine && !lab.engines.includes(c.engine))
        catalogueIssue(ctx, ['checks', i, 'engine'], 'LabEngineNotListed', { engine: c.engine });
    });
    lab.setup.forEach((st, i) => {
      if (st.engine && !lab.engines.includes(st.engine))
        catalogueIssue(ctx, ['setup', i, 'engine'], 'LabEngineNotListed', { engine: st.engine });
    });
    lab.mistakes.forEach((m, i) => {
      if (m.fails.length === 0) catalogueIssue(ctx, ['mistakes', i], 'LabMistakeWithoutFails', {});
      m.fails.forEach((f, j) => {
        if (!ids.has(f)) catalogueIssue(ctx, ['mistakes', i, 'fails', j], 'LabUnknownCheck', { id: f });
      });
    });
  });

export type Lab = z.infer<typeof labSchema>;
export type LabCheck = z.infer<typeof labCheck>;
export type LabSetupStep = z.infer<typeof labSetupStep>;
