/**
 * <db-mermaid>: renders the diagram source inside it to SVG. mermaid is
 * imported only when a diagram comes within 600px of the viewport. On
 * screen, the figure keeps at least its height when the drawing replaces
 * the source (site.css reserves room for a typical diagram). The theme
 * follows the page (data-theme on <html>, else the system setting)
 * and the diagram re-renders when it changes. A render error shows the
 * error and the source, never a blank, and leaves nothing else behind:
 * mermaid's own error graphic is suppressed and its scratch element (an
 * element `#d<id>` it appends to <body> while drawing) is removed.
 */
let renders = 0;
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
    const { default: mermaid } = await import('mermaid');
    mermaid.initialize({
      startOnLoad: false,
      theme: isDark() ? 'dark' : 'default',
      securityLevel: 'strict',
      suppressErrorRendering: true,
    });
    const svgId = `${this.id}-svg-${++renders}`;
    try {
      const { svg } = await mermaid.render(svgId, this.source);
      // A drawing shorter than the source it replaces would pull up what the reader sees below it.
      const box = figure.getBoundingClientRect();
      if (!this.shown && box.bottom > 0 && box.top < window.innerHeight) figure.style.minHeight = `${box.height}px`;
      figure.innerHTML = svg;
      figure.setAttribute('data-rendered', isDark() ? 'dark' : 'light');
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
}

if (!customElements.get('db-mermaid')) customElements.define('db-mermaid', DbMermaid);
