/**
 * CSV as RFC 4180 writes it: every field quoted (a quote inside doubled),
 * records ended by CRLF, UTF-8 with an optional byte-order mark (Excel reads
 * a file without one as the machine's legacy code page).
 *
 * Text cells are neutralised against formula injection (OWASP's rule): a
 * cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return would be
 * run as a formula by Excel, LibreOffice or Google Sheets (`=HYPERLINK(…)`,
 * `@SUM(…)`, `-2+3`), so it gets a leading `'`, which spreadsheets show as
 * text. Number cells are written as numbers and never changed.
 */

export type CsvCell = string | number;

const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell a spreadsheet will not run: `'` before a leading `= + - @`, tab or CR. */
export function neutralise(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function field(cell: CsvCell): string {
  const text = typeof cell === 'number' ? String(cell) : neutralise(cell);
  return `"${text.replace(/"/g, '""')}"`;
}

/** The records as one CSV text (with the UTF-8 BOM first when `bom`). */
export function toCsv(records: CsvCell[][], opts: { bom?: boolean } = {}): string {
  return (opts.bom ? '\uFEFF' : '') + records.map((r) => r.map(field).join(',') + '\r\n').join('');
}
