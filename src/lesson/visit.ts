/**
 * A preorder walk over an mdast tree with unist-util-visit's contract, for
 * the parser's own passes (a page's Markdown is walked a dozen times per
 * part). unist-util-visit-parents builds a closure per node and gives each
 * one a descriptive function name for stack traces (`Object.defineProperty`
 * and a coloured string per node): ~13 % of parsing the 105-page benchmark
 * course (`--cpu-prof`). This walk does the same visits without them.
 *
 * The contract kept: the visitor gets (node, index, parent) for every node
 * whose type is `type` (every node without one), parents before children,
 * children in order, the children list read live (a visitor may change its
 * parent's children); returning SKIP does not enter the node's children,
 * `[SKIP, i]` (or `[CONTINUE, i]`) goes on at index `i` of its parent, EXIT
 * ends the walk.
 */
import type { Nodes, Parents } from 'mdast';

export const CONTINUE = true;
export const SKIP = 'skip';
export const EXIT = false;

type Action = typeof CONTINUE | typeof SKIP | typeof EXIT;
export type VisitResult = Action | [Action, number] | number | void | undefined;
type Visitor<N> = (node: N, index: number | undefined, parent: Parents | undefined) => VisitResult;

// What a node's visit tells its parent's loop: stop everything, go on with the next child, leave this list (a visitor
// returned a negative index), or go on at an index.
const STOP = -2;
const NEXT = -1;
const LEAVE = -3;

export function visit<T extends Nodes['type']>(tree: Nodes, type: T, visitor: Visitor<Extract<Nodes, { type: T }>>): void;
export function visit(tree: Nodes, visitor: Visitor<Nodes>): void;
export function visit(tree: Nodes, typeOrVisitor: string | Visitor<Nodes>, maybeVisitor?: Visitor<Nodes>): void {
  const type = typeof typeOrVisitor === 'string' ? typeOrVisitor : undefined;
  const visitor = (typeof typeOrVisitor === 'function' ? typeOrVisitor : maybeVisitor) as Visitor<Nodes>;
  const walk = (node: Nodes, index: number | undefined, parent: Parents | undefined): number => {
    let action: Action = CONTINUE;
    let at: number | undefined;
    if (type === undefined || node.type === type) {
      const r = visitor(node, index, parent);
      if (Array.isArray(r)) [action, at] = r;
      else if (typeof r === 'number') at = r;
      else if (r !== undefined) action = r;
      if (action === EXIT) return STOP;
    }
    if (action !== SKIP && 'children' in node && node.children) {
      const children = node.children as Nodes[];
      for (let i = 0; i > -1 && i < children.length;) {
        const next = walk(children[i] as Nodes, i, node as Parents);
        if (next === STOP) return STOP;
        i = next === NEXT ? i + 1 : next;
      }
    }
    return at === undefined ? NEXT : at < 0 ? LEAVE : at;
  };
  walk(tree, undefined, undefined);
}
