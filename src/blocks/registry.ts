/**
 * The one list of block types. Adding a type means adding its folder and a
 * line here; the parser, the check command and the renderer read this map.
 */
import type { z } from 'zod';
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

export type BlockType = keyof typeof blockRegistry;
export const BLOCK_TYPES = Object.keys(blockRegistry) as BlockType[];

/** A validated block, tagged with its type. */
export type BlockData = {
  [K in BlockType]: { type: K; data: z.infer<(typeof blockRegistry)[K]['schema']> };
}[BlockType];
