/**
 * <db-mermaid>: renders the diagram source inside it to SVG. mermaid is
 * imported only when a diagram comes within 600px of the viewport. The
 * figure reserves room for a typical diagram until it is drawn
 * (mermaid.css), then takes the drawing's own height: at once when the
 * figure is out of sight, or, when the reader is looking at it, once it
 * leaves the viewport (so nothing the reader sees jumps; scroll anchoring
 * keeps their place). A diagram too wide to fit with its text at 10 px or
 * more (phones) keeps that size and scrolls sideways instead of shrinking,
 * with a button that fits it to the width for an overview. The theme
 * follows the page (data-theme on <html>, else the system setting) and the
 * diagram re-renders when it changes. A render error shows the error and the
 * source, never a blank, and leaves nothing else behind: mermaid's own error
 * graphic is suppressed and its scratch element (an element `#d<id>` it
 * appends to <body> while drawing) is removed.
 *
 * mermaid is mermaid's own prebuilt ES module build, published with the
 * site at `_drillbook/mermaid/` (src/integration/vendor.ts), not bundled
 * again by every site build: bundling its 6 MB was most of a build's
 * bundling time.
 */
import { MERMAID_ENTRY } from './vendor-path.ts';
let renders = 0;
/** The smallest text a drawn diagram may show, in CSS pixels. */
const MIN_TEXT_PX = 10;
/** Edge labels' background in the dark theme: #ccc text on it is 8:1. */
const DARK_EDGE_LABEL_BG = '#30363d';
const darkQuery = () => window.matchMedia('(prefers-color-scheme: dark)');

function isDark(): boolean {
  const t = document.documentElement.dataset['theme'];
  return t ? t === 'dark' : darkQuery().matches;
}

class DbMermaid extends HTMLElement {
  private source = '';
  private shown = false;

  connectedCallback(): void {
    this.source = this.querySelector('.mermaid-source')?.textContent ?? '';
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          io.disconnect();
          void this.draw();
        }
      },
      { rootMargin: '600px' },
    );
    io.observe(this);
    const again = () => {
      if (this.shown) void this.draw();
    };
    darkQuery().addEventListener('change', again);
    document.addEventListener('drillbook:theme', again);
  }

  private async draw(): Promise<void> {
    const figure = this.querySelector<HTMLElement>('.mermaid-figure');
    if (!figure) return;
    const base = document.documentElement.dataset['base'] ?? '/';
    const { default: mermaid } = (await import(/* @vite-ignore */ `${base}${MERMAID_ENTRY}`)) as typeof import('mermaid');
    mermaid.initialize({
      startOnLoad: false,
      theme: isDark() ? 'dark' : 'default',
      // mermaid's dark theme draws edge labels #ccc on #585858 (4.4:1, under WCAG AA's 4.5:1): a darker label background.
      ...(isDark() ? { themeVariables: { edgeLabelBackground: DARK_EDGE_LABEL_BG } } : {}),
      securityLevel: 'strict',
      suppressErrorRendering: true,
    });
    const svgId = `${this.id}-svg-${++renders}`;
    try {
      const { svg } = await mermaid.render(svgId, this.source);
      // A drawing shorter than the source it replaces would pull up what the reader sees below it.
      const box = figure.getBoundingClientRect();
      const inSight = box.bottom > 0 && box.top < window.innerHeight;
      if (!this.shown && inSight) this.holdHeight(figure, box.height);
      figure.innerHTML = svg;
      figure.setAttribute('data-rendered', isDark() ? 'dark' : 'light');
      this.keepTextReadable(figure);
      this.shown = true;
    } catch (err) {
      for (const id of [`d${svgId}`, svgId]) document.getElementById(id)?.remove();
      const pre = document.createElement('pre');
      pre.className = 'mermaid-source';
      pre.tabIndex = 0;
      pre.textContent = this.source;
      const msg = document.createElement('p');
      msg.className = 'db-error-text';
      msg.setAttribute('role', 'alert');
      msg.textContent = `This diagram could not be drawn: ${err instanceof Error ? err.message : String(err)}`;
      figure.replaceChildren(msg, pre);
    }
  }

  /** Keeps the figure `height` tall while the reader looks at it; it takes the drawing's height once out of sight. */
  private holdHeight(figure: HTMLElement, height: number): void {
    figure.style.minHeight = `${height}px`;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) return;
      io.disconnect();
      figure.style.minHeight = '';
    });
    io.observe(figure);
  }

  /**
   * Where fitting the width would shrink the text below MIN_TEXT_PX, the
   * drawing keeps a readable width and the figure scrolls sideways (keyboard
   * included); a button switches between that and fitting the width.
   */
  private keepTextReadable(figure: HTMLElement): void {
    const svg = figure.querySelector('svg');
    const viewWidth = svg?.viewBox.baseVal?.width ?? 0;
    if (!svg || viewWidth <= 0) return;
    const label = svg.querySelector<Element>('.nodeLabel, .label, text');
    const fontPx = (label && parseFloat(getComputedStyle(label).fontSize)) || 16;
    const readable = Math.ceil((viewWidth * MIN_TEXT_PX) / fontPx);
    this.querySelector('.mermaid-zoom')?.remove();
    if (readable <= figure.clientWidth) return;
    const zoom = document.createElement('button');
    zoom.type = 'button';
    zoom.className = 'db-button mermaid-zoom';
    const apply = (fit: boolean) => {
      svg.style.minWidth = fit ? '' : `${readable}px`;
      figure.toggleAttribute('data-wide', !fit);
      zoom.textContent = fit ? 'Show at readable size' : 'Fit to width';
      if (fit) figure.removeAttribute('tabindex');
      else figure.tabIndex = 0;
    };
    zoom.addEventListener('click', () => apply(figure.hasAttribute('data-wide')));
    figure.setAttribute('role', 'group');
    figure.setAttribute('aria-label', 'Diagram (wider than the screen: scroll sideways)');
    figure.after(zoom);
    apply(false);
  }
}

if (!customElements.get('db-mermaid')) customElements.define('db-mermaid', DbMermaid);
