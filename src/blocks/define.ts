/**
 * The shape every block type provides to the registry. A block type is a
 * normaliser (author variants → canonical input) plus one canonical zod
 * schema, which is both the type and the validation; its folder holds the
 * Astro component that renders it (named here: the parser and the Node-side
 * tools cannot import .astro files, so the site's Block.astro loads it by
 * name) and that component's stylesheet.
 *
 * `defineBlock` turns that into the parser's BlockKind contract
 * (src/lesson/block-kind.ts): normalise, validate, map zod issues to
 * catalogue problems with the author's field paths, and list the Markdown
 * fields the parser reads with the page.
 */
import type { z } from 'zod';
import type { BlockKind, BlockReading } from '../lesson/block-kind.ts';
import type { Problem } from '../problems/catalogue.ts';
import { issuesToProblems, markdownValues, type Normalised } from './shared.ts';

export interface BlockSpec<S extends z.ZodType> {
  /** Fence info string; also the name of the block's folder under src/blocks. */
  type: string;
  /** Whether the body is YAML (false: raw text, as for mermaid). */
  yaml: boolean;
  /** Maps any accepted variant to the canonical input. */
  normalise: (raw: Record<string, unknown>) => Normalised;
  schema: S;
  /** File name of the block's Astro component in its folder (props: `id`, `data`, `prose`). */
  component: string;
  /** See BlockKind.proseMarkup. */
  proseMarkup?: (id: string, source: string) => string;
  /** See BlockKind.verify. */
  verify?: (data: z.output<S>, at: { file: string; line: number }) => Promise<Problem[]>;
  /** See BlockKind.verifyFence. */
  verifyFence?: (source: string, at: { file: string; line: number; path: string }) => Promise<Problem[]>;
  /** See BlockKind.prepareVerify. */
  prepareVerify?: (items: { data?: z.output<S>; source?: string }[]) => void;
}

export interface BlockDefinition<S extends z.ZodType = z.ZodType> extends BlockSpec<S>, BlockKind<z.output<S>> {}

export function defineBlock<S extends z.ZodType>(spec: BlockSpec<S>): BlockDefinition<S> {
  return {
    ...spec,
    read(raw, at): BlockReading<z.output<S>> {
      const { input, authorPath } = spec.normalise(raw);
      input['id'] = at.id;
      const parsed = spec.schema.safeParse(input);
      if (!parsed.success) {
        return {
          ok: false,
          problems: issuesToProblems(parsed.error.issues, input, { file: at.file, line: at.line, block: spec.type }, authorPath),
        };
      }
      const markdown = markdownValues(spec.schema, parsed.data).map((m) => ({
        path: m.path.join('.'),
        authorPath: authorPath(m.path).join('.'),
        text: m.text,
      }));
      return { ok: true, data: parsed.data, markdown };
    },
  };
}

/** Where a block type's component lives, relative to src/blocks (Block.astro and the tests agree on it). */
export function componentPath(def: Pick<BlockSpec<z.ZodType>, 'type' | 'component'>): string {
  return `${def.type}/${def.component}`;
}
