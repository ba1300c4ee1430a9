/**
 * The static markup of one diagram: the source inside <db-mermaid>, which
 * draws it in the browser. Shared by the mermaid block and by Mermaid fences
 * that are not blocks (indented in an admonition, or ~~~mermaid), so both
 * look and behave the same. Plain strings: the parser core uses it.
 */
import { escapeHtml as esc } from '../../lesson/escape.ts';

export function mermaidMarkup(id: string, source: string): string {
  return `<db-mermaid id="${esc(id)}" class="db-block db-mermaid"><figure class="mermaid-figure"><pre class="mermaid-source" tabindex="0"><code>${esc(source)}</code></pre></figure></db-mermaid>`;
}
