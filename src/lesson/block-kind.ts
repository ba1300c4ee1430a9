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
  /**
   * Checks too slow or too heavy for every parse (a diagram parser): run once
   * per course after parsing (src/course/verify.ts), not by the parser. A
   * problem turns the block into an error box. `at.line` is the fence line.
   */
  // A method, so a definition for its own data type fits the set's BlockKind<unknown> (method parameters are bivariant).
  verify?(data: D, at: { file: string; line: number }): Promise<Problem[]>;
  /** The same check for a fence of this type's language in prose (see proseMarkup); `at.line` is that fence's line. */
  verifyFence?: (source: string, at: { file: string; line: number; path: string }) => Promise<Problem[]>;
  /**
   * Called once with every valid block's data and every prose fence's source
   * of this type before verify and verifyFence, so a type can start the slow
   * part for all of them at once (mermaid parses every diagram in a worker
   * thread). It returns once that has started; verify and verifyFence then
   * wait for their own item's result only, so a page is ready as soon as its
   * own items are (src/course/verify.ts).
   */
  prepareVerify?(items: { data?: D; source?: string }[]): void;
}

/** A fence of a block type drawn in prose (proseMarkup), kept for verifyFence. */
export interface ProseFence {
  type: string;
  source: string;
  /** File line of its opening fence; for one inside a block's Markdown field, the block's fence line. */
  line: number;
  /** The block's field it is in (`scenario`), '' in page prose. */
  path: string;
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
