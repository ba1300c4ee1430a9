/**
 * What the parser needs from a block type. The parser does not import the
 * block types (src/blocks): the caller passes them in (`parseLesson(...,
 * blocks)`), and src/blocks/define.ts builds definitions that satisfy this
 * contract. So the parser core stays free of the blocks' components, and the
 * folders import one way: blocks → lesson → problems.
 */
import type { Problem } from '../problems/catalogue.ts';

/** One Markdown field of a validated block: parsed with the page like its prose. */
export interface MarkdownField {
  /** Canonical field path, dotted (`steps.2.narration`): the key components read it under. */
  path: string;
  /** The same field as the author wrote it (`questions.0.options.1.explanation`), for problems. */
  authorPath: string;
  text: string;
}

export type BlockReading<D> = { ok: true; data: D; markdown: MarkdownField[] } | { ok: false; problems: Problem[] };

export interface BlockKind<D = unknown> {
  /** Fence info string. */
  type: string;
  /** Whether the body is YAML (false: raw text, read as `{ source }`). */
  yaml: boolean;
  /**
   * Normalises any accepted variant of a block body and validates it: the
   * canonical data, or problems located at `at` with the author's field paths.
   */
  read(raw: Record<string, unknown>, at: { id: string; file: string; line: number }): BlockReading<D>;
  /**
   * HTML for a fence of this type's language that is not a block (indented in
   * an admonition, `~~~`, inside a block's Markdown field): drawn like the
   * block. Types without it leave such fences as code.
   */
  proseMarkup?: (id: string, source: string) => string;
}

/** The block types a course is read with, by fence name. */
export type BlockSet = Readonly<Record<string, BlockKind>>;

/** A validated block: its type and canonical data. */
export interface ValidBlock {
  type: string;
  data: unknown;
}

/** A validated block of set `S`, tagged with its type. */
export type BlockDataOf<S extends BlockSet> = {
  [T in keyof S & string]: { type: T; data: S[T] extends BlockKind<infer D> ? D : never };
}[keyof S & string];
