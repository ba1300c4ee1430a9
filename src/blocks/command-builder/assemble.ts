/**
 * Assembles the command a learner has built (FORMAT.md §2): `base`, then the
 * chosen pieces in the order listed; a piece with a flag and a value is
 * `flag value`; empty pieces add nothing. Flat pieces are joined by single
 * spaces; template parts (join: concat) are appended with nothing between.
 * Pure: used by the static render, the browser element and the tests.
 */
import type { CommandBuilder, BuilderPiece } from './schema.ts';

/** A learner's selection per piece index: a choice index, typed text, or a switch state. */
export type Selection = number | string | boolean | null | undefined;

export function pieceText(piece: BuilderPiece, sel: Selection): string {
  let value: string;
  switch (piece.kind) {
    case 'switch':
      return sel === true ? piece.flag.trim() : '';
    case 'text':
      value = typeof sel === 'string' ? sel : '';
      break;
    case 'choice':
      value = typeof sel === 'number' ? (piece.choices[sel]?.value ?? '') : '';
      break;
  }
  // An empty value (a blank text input, a "(nothing)" choice) drops the whole piece, flag included.
  if (value.trim() === '') return '';
  return [piece.flag.trim(), value.trim()].filter((s) => s !== '').join(' ');
}

export function assemble(builder: CommandBuilder, selections: readonly Selection[]): string {
  const parts = builder.pieces.map((p, i) => {
    if (builder.join === 'concat')
      return p.kind === 'choice' && typeof selections[i] === 'number' ? (p.choices[selections[i] as number]?.value ?? '') : '';
    return pieceText(p, selections[i]);
  });
  if (builder.join === 'concat') return builder.base + parts.join('');
  return [builder.base.trim(), ...parts].filter((s) => s !== '').join(' ');
}

/** What piece `i` adds with selection `sel`, as said beside it ("Adds --jobs 4: Four workers"); '' when it adds nothing. */
export function pieceMeaning(builder: CommandBuilder, i: number, sel: Selection): string {
  const p = builder.pieces[i];
  if (!p) return '';
  const added =
    builder.join === 'concat' ? (p.kind === 'choice' && typeof sel === 'number' ? (p.choices[sel]?.value ?? '') : '') : pieceText(p, sel);
  const label =
    p.kind === 'choice' && typeof sel === 'number' ? p.choices[sel]?.label : p.kind === 'switch' && sel === true ? p.label : undefined;
  return added === '' ? '' : `Adds ${added}${label ? `: ${label}` : ''}`;
}

/**
 * The author's own "nothing" choice of a select (the first choice with an
 * empty value, such as `["", "off"]`): it stands for "(none)", so the select
 * gets no second one.
 */
export function emptyChoice(piece: BuilderPiece): number | undefined {
  const i = piece.choices.findIndex((c) => c.value.trim() === '');
  return i < 0 ? undefined : i;
}

/**
 * The selection a builder starts with (FORMAT.md §2): nothing chosen, so the
 * command is `base` alone. Each select starts on its "(none)" entry (the
 * author's empty choice when it has one, else null, our own "(none)"), a
 * required part starts unchosen (null), switches off, text empty.
 */
export function defaultSelections(builder: CommandBuilder): Selection[] {
  return builder.pieces.map((p) => {
    if (p.kind === 'choice') return p.required ? null : (emptyChoice(p) ?? null);
    if (p.kind === 'switch') return false;
    return '';
  });
}

/** Labels of the required pieces still unchosen (the command is not complete without them). */
export function missingRequired(builder: CommandBuilder, selections: readonly Selection[]): string[] {
  return builder.pieces.flatMap((p, i) => (p.required && pieceValue(builder, p, selections[i]) === '' ? [p.label] : []));
}

function pieceValue(builder: CommandBuilder, p: BuilderPiece, sel: Selection): string {
  if (builder.join === 'concat') return p.kind === 'choice' && typeof sel === 'number' ? (p.choices[sel]?.value ?? '') : '';
  return pieceText(p, sel);
}
