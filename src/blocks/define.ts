/**
 * The shape every block type provides to the registry. A block type is a
 * normaliser (author variants → canonical input) plus one canonical zod
 * schema, which is both the type and the validation.
 */
import type { z } from 'zod';
import type { Normalised } from './shared.ts';

export interface BlockDefinition<S extends z.ZodType = z.ZodType> {
  /** Fence info string. */
  type: string;
  /** Whether the body is YAML (false: raw text, as for mermaid). */
  yaml: boolean;
  /** Maps any accepted variant to the canonical input. */
  normalise: (raw: Record<string, unknown>) => Normalised;
  schema: S;
}

export function defineBlock<S extends z.ZodType>(def: BlockDefinition<S>): BlockDefinition<S> {
  return def;
}
