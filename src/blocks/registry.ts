/**
 * The one list of block types. Adding a type means adding its folder (schema,
 * normaliser, component, stylesheet, client element) and a line here; the
 * parser, the check command and the site (components/Block.astro) read this
 * map, and the problem subjects derive from it.
 */
import type { BlockDataOf } from '../lesson/block-kind.ts';
import type { BlockNode, Lesson } from '../lesson/parse-lesson.ts';
import type { PageSubject } from '../problems/catalogue.ts';
import { codeWalkthroughBlock } from './code-walkthrough/index.ts';
import { commandBuilderBlock } from './command-builder/index.ts';
import { exerciseBlock } from './exercise/index.ts';
import { labBlock } from './lab/index.ts';
import { mermaidBlock } from './mermaid/index.ts';
import { quizBlock } from './quiz/index.ts';
import { terminalBlock } from './terminal/index.ts';

export const blockRegistry = {
  quiz: quizBlock,
  'command-builder': commandBuilderBlock,
  terminal: terminalBlock,
  exercise: exerciseBlock,
  'code-walkthrough': codeWalkthroughBlock,
  mermaid: mermaidBlock,
  lab: labBlock,
} as const;

export type BlockRegistry = typeof blockRegistry;
export type BlockType = keyof BlockRegistry;
export const BLOCK_TYPES = Object.keys(blockRegistry) as BlockType[];

/** A validated block, tagged with its type. */
export type BlockData = BlockDataOf<BlockRegistry>;
/** A lesson read with the registry's block types (what the course loader gives the site). */
export type CourseLesson = Lesson<BlockData>;
export type CourseBlockNode = BlockNode<BlockData>;
/** What a content problem can be about: a registered block type or a page part. */
export type ProblemSubject = BlockType | PageSubject;
