/**
 * Pacing on the server: a learner in a running workshop does not get the
 * content the instructor has locked.
 * - A locked lesson's page is answered with the site's "locked" page
 *   (403, built from src/pages/locked.astro) instead of the lesson.
 * - A page holding a locked lab is served without that lab's block (a
 *   locked notice in its place); the lab API refuses it too (routes/labs.ts).
 * Everyone else (self-paced learners, instructors) gets the static files as
 * they are. What this cannot hide is said in docs/ARCHITECTURE.md ("Pacing"):
 * the same files are public to anyone outside the workshop, and the search
 * index holds every page's text.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { WorkshopService } from '../../workshops/service.ts';
import { cookieLearner } from './instructor.ts';

/** The lesson route a page URL shows ("/labs/x/" and "/labs/x/index.html" → "labs/x"), or undefined. */
export function routeOfPath(url: string): string | undefined {
  let path = url.split('?')[0] ?? '';
  try {
    path = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (!path.endsWith('/') && !path.endsWith('/index.html')) return undefined;
  return path.replace(/index\.html$/, '').replace(/^\/+|\/+$/g, '');
}

/** The page's HTML with each locked lab's block replaced by a notice. */
export function withoutLabs(html: string, labs: string[]): string {
  let out = html;
  for (const lab of labs) {
    const esc = lab.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(
      new RegExp(`<db-lab\\b[^>]*\\bdata-lab="${esc}"[^>]*>[\\s\\S]*?</db-lab>`, 'g'),
      '<div class="db-block db-locked" role="note"><p class="db-kind">Lab</p><p>Your instructor has not opened this lab yet. It opens when the class gets there.</p></div>',
    );
  }
  return out;
}

export default fp(
  async function pacing(app: FastifyInstance, opts: { siteDir: string; workshops: WorkshopService }) {
    const lessons = new Map(opts.workshops.outline.lessons.map((l) => [l.route, l]));
    app.addHook('onRequest', async (req, reply) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return;
      const route = routeOfPath(req.url);
      if (route === undefined || route.startsWith('api/')) return;
      const lesson = lessons.get(route);
      if (!lesson) return;
      const learner = cookieLearner(req);
      const workshop = learner ? opts.workshops.workshopOf(learner) : null;
      if (!workshop) return;
      const locks = await opts.workshops.lockSet(workshop);
      if (locks.size === 0) return;
      if (locks.has(`lesson\u0000${route}`)) {
        const page = join(opts.siteDir, 'locked', 'index.html');
        const html = existsSync(page)
          ? readFileSync(page, 'utf8')
          : '<!doctype html><title>Locked</title><p>Your instructor has not opened this lesson yet. It opens when the class gets there.</p>';
        return reply.code(403).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
      }
      const locked = lesson.labs.filter((l) => locks.has(`lab\u0000${l}`));
      if (locked.length === 0) return;
      const file = join(opts.siteDir, route, 'index.html');
      if (!existsSync(file)) return;
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(withoutLabs(readFileSync(file, 'utf8'), locked));
    });
  },
  { name: 'drillbook-pacing', dependencies: ['drillbook-identity'] },
);
