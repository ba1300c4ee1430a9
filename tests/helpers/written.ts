/**
 * The line every text field of tests/fixtures/text/verbatim.md holds (every
 * character class real courses lost when text was read as Markdown), and
 * what a reader must see of it: the same characters, with only the bold and
 * the code span interpreted.
 */
export const WRITTEN =
  "> Use <path> on <branch>, read <STDIN>, keep <script>alert(1)</script> as text: find . -exec rm {} \\; then grep '\\(error\\|warning\\)' log, \\@array, __init__, $_ and HEAD~2 with **bold** and `<code>`.";

export const SHOWN = WRITTEN.replace('**bold**', 'bold').replace('`<code>`', '<code>');
