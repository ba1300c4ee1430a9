/**
 * The HTML pages of LTI launches: the hand-off into the site, the deep
 * linking picker, the form that returns the instructor's choice to the LMS,
 * and the error page that names what was refused. Plain HTML without
 * script (a meta refresh at most); every text escaped. Each page comes with
 * its own Content-Security-Policy: framing only by the platform's origins,
 * forms only to this site (and, for the return form, to the platform).
 */
import { escapeHtml as esc } from '../lesson/escape.ts';
import type { ServerErrorName } from '../protocol/errors.ts';

export function pageCsp(opts: { frameOrigins: string[]; formOrigins?: string[] }): string {
  return [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    "img-src 'self'",
    `form-action 'self'${opts.formOrigins?.length ? ` ${opts.formOrigins.join(' ')}` : ''}`,
    `frame-ancestors 'self'${opts.frameOrigins.length ? ` ${opts.frameOrigins.join(' ')}` : ''}`,
    "base-uri 'none'",
  ].join('; ');
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
h1{font-size:1.4rem}code{background:#eef1f4;padding:0 .25em;border-radius:3px}
.error{border-left:4px solid #b42318;padding:.5rem 1rem;background:#fef3f2}
button,.button{font:inherit;padding:.5rem 1rem;border-radius:6px;border:1px solid #1f6feb;background:#1f6feb;color:#fff;text-decoration:none;display:inline-block;cursor:pointer}
fieldset{border:1px solid #d0d7de;border-radius:6px;margin:0 0 1rem}legend{font-weight:600}label{display:block}.points{color:#57606a}`;

function page(title: string, body: string, head = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${head}<title>${esc(title)} · Drillbook</title><style>${STYLE}</style></head><body>${body}</body></html>\n`;
}

/** A refused launch: the catalogue name and its message. */
export function errorPage(name: ServerErrorName, message: string): string {
  return page(
    'Launch refused',
    `<h1>Drillbook could not open this LTI launch</h1><div class="error" role="alert"><p><strong data-error="${esc(name)}">${esc(name)}</strong></p><p>${esc(message)}</p></div>`,
  );
}

/** After a launch: into the site through the one-time link (at once, or in a new window when framed). */
export function handoffPage(title: string, href: string, newWindow: boolean): string {
  if (newWindow)
    return page(
      title,
      `<h1>${esc(title)}</h1><p>Drillbook opens in its own window (it cannot run inside this page: your terminal and progress need it).</p><p><a class="button" href="${esc(href)}" target="_blank" rel="noopener">Open in Drillbook</a></p><p>The link works once, for a few minutes.</p>`,
    );
  return page(
    title,
    `<h1>Opening ${esc(title)}…</h1><p><a href="${esc(href)}">Continue to Drillbook</a> if nothing happens.</p>`,
    `<meta http-equiv="refresh" content="0;url=${esc(href)}">`,
  );
}

export interface PickerChoice {
  lesson: { target: string; title: string; points: number };
  blocks: { target: string; title: string; kind: string; points: number }[];
}

/** Deep linking: the instructor picks lessons, quizzes and labs to place in the LMS course. */
export function pickerPage(course: string, platform: string, session: string, choices: PickerChoice[]): string {
  const pts = (n: number) => `<span class="points">(${n} point${n === 1 ? '' : 's'})</span>`;
  const sets = choices
    .map(
      (c) =>
        `<fieldset><legend><label><input type="checkbox" name="items" value="${esc(c.lesson.target)}"> Lesson: ${esc(c.lesson.title)} ${pts(c.lesson.points)}</label></legend>` +
        c.blocks
          .map(
            (b) =>
              `<label><input type="checkbox" name="items" value="${esc(b.target)}"> ${b.kind === 'lab' ? 'Lab' : 'Quiz'}: ${esc(b.title)} ${pts(b.points)}</label>`,
          )
          .join('') +
        `</fieldset>`,
    )
    .join('');
  return page(
    'Place Drillbook activities',
    `<h1>Place Drillbook activities in ${esc(course)}</h1><p>Each one you tick becomes a link in the course on ${esc(platform)}, with a grade column. A lesson is graded on all its quizzes and labs; a quiz on its questions (right answers); a lab on its checks.</p>` +
      `<form method="post" action="/lti/deep-link"><input type="hidden" name="session" value="${esc(session)}">${sets}<button type="submit">Place in the course</button></form>`,
  );
}

/** The signed answer goes back to the LMS by a form the instructor sends (no script runs here). */
export function returnPage(platform: string, returnUrl: string, jwt: string, titles: string[]): string {
  const list = titles.length ? `<ul>${titles.map((t) => `<li>${esc(t)}</li>`).join('')}</ul>` : '<p>Nothing was picked.</p>';
  return page(
    'Return to the LMS',
    `<h1>Ready to place ${titles.length} activit${titles.length === 1 ? 'y' : 'ies'}</h1>${list}<form method="post" action="${esc(returnUrl)}"><input type="hidden" name="JWT" value="${esc(jwt)}"><button type="submit">Return to ${esc(platform)}</button></form>`,
  );
}
