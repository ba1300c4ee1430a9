import { describe, expect, it } from 'vitest';
import { parseLesson } from '../../src/lesson/parse-lesson.ts';
import { fixture } from '../helpers/fixtures.ts';
import { blocksOf, dataOf } from './support.ts';

describe('mermaid diagrams', () => {
  const page = fixture('mermaid/diagrams.md');

  it('reads every diagram kind as its own block with stable, numbered ids', () => {
    expect(page.problems).toEqual([]);
    expect(page.blockCounts.mermaid).toBe(8);
    expect(blocksOf(page).map((b) => b.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => `mermaid-diagrams-mermaid-${n}`));
  });

  it('keeps each source verbatim (not YAML), first line naming the diagram kind', () => {
    const kinds = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => dataOf(page, 'mermaid', n).source.split('\n')[0]?.split(' ')[0]);
    expect(kinds).toEqual(['flowchart', 'graph', 'sequenceDiagram', 'gantt', 'classDiagram', 'gitGraph', 'erDiagram', 'stateDiagram-v2']);
    expect(dataOf(page, 'mermaid', 1).source).toBe(
      'graph TD\n    S[Sunday<br>base backup] --> W[Weekday<br>WAL segments]\n    W --> R{Restore<br>target?}',
    );
  });

  it('reports an empty diagram', () => {
    const empty = parseLesson('```mermaid\n\n```\n', 'm.md', { pages: new Map(), assets: new Set(), base: '/' });
    expect(empty.problems.map((p) => [p.name, p.line, p.block, p.message])).toEqual([['EmptyBlock', 1, 'mermaid', 'The block is empty.']]);
  });
});
