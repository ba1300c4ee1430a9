/**
 * The parser's own tree walk (src/lesson/visit.ts) visits exactly what
 * unist-util-visit visits, in the same order, with the same results of
 * SKIP, an index to go on at, EXIT and changes to the children list.
 */
import type { Nodes, Parents, Root } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { SKIP as LIB_SKIP, EXIT as LIB_EXIT, visit as libVisit } from 'unist-util-visit';
import { describe, expect, it } from 'vitest';
import { EXIT, SKIP, visit } from '../../src/lesson/visit.ts';

const sample = () =>
  fromMarkdown('# Title\n\nSome *emphasis* and `code`.\n\n- one\n- two **bold**\n\n> quoted\n> text\n\n```sh\nls\n```\n\nEnd.\n');

/** What a walk saw: each node's type, index and parent's type. */
type Seen = string[];
const label = (n: Nodes, i: number | undefined, p: Parents | undefined) => `${n.type}@${i ?? '-'}<${p?.type ?? '-'}`;

describe("the parser's tree walk", () => {
  it('visits every node, parents first, as unist-util-visit does', () => {
    const ours: Seen = [];
    const theirs: Seen = [];
    visit(sample(), (n, i, p) => void ours.push(label(n, i, p)));
    libVisit(sample(), (n, i, p) => void theirs.push(label(n as Nodes, i, p as Parents | undefined)));
    expect(ours.length).toBeGreaterThan(20);
    expect(ours).toEqual(theirs);
  });

  it('visits only nodes of the type asked for', () => {
    const ours: Seen = [];
    visit(sample(), 'text', (n) => void ours.push(n.value));
    expect(ours).toEqual(['Title', 'Some ', 'emphasis', ' and ', '.', 'one', 'two ', 'bold', 'quoted\ntext', 'End.']);
  });

  it('skips children, goes on at a returned index after the children changed, and stops at EXIT, as unist-util-visit does', () => {
    const run = (walk: typeof visit, skip: typeof SKIP, exit: typeof EXIT) => {
      const tree: Root = sample();
      const seen: Seen = [];
      walk(tree, (n, i, p) => {
        seen.push(label(n, i, p));
        if (n.type === 'list') return skip;
        // A paragraph replaced by two: the walk goes on after both.
        if (n.type === 'paragraph' && p?.type === 'root' && i !== undefined && i === 1) {
          p.children.splice(i, 1, { type: 'thematicBreak' }, { type: 'thematicBreak' });
          return [skip, i + 2];
        }
        if (n.type === 'inlineCode') return exit;
        if (n.type === 'code') return exit;
        return undefined;
      });
      return seen;
    };
    const ours = run(visit, SKIP, EXIT);
    const theirs = run(libVisit as unknown as typeof visit, LIB_SKIP, LIB_EXIT);
    expect(ours).toEqual(theirs);
    expect(ours).toContain('list@3<root');
    expect(ours).not.toContain('listItem@0<list');
    expect(ours[ours.length - 1]).toBe('code@5<root');
  });
});
