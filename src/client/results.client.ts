/**
 * On every page: wires the page's results into the queue (src/client/events.ts)
 * and, when the learner is in a workshop, loads the workshop bar. Quiz answers
 * (`drillbook:answer`) and exercise events (`drillbook:exercise`) are queued
 * as they happen; once GET api/health says this server keeps results, the
 * queue is sent and the lesson opened is reported. On a static host nothing
 * is queued: localStorage (store.ts) stays the learner's only record.
 */
import type { AnswerDetail, ExerciseDetail } from './page-events.ts';
import { enableResults, enqueue, setBase } from './events.ts';
import { health } from './health.ts';
import { remove } from './store.ts';

const base = document.documentElement.dataset['base'] ?? '/';
setBase(base);
let mode: 'unknown' | 'server' | 'static' = 'unknown';
const queue = (draft: Parameters<typeof enqueue>[0]) => {
  if (mode !== 'static') enqueue(draft);
};

document.addEventListener('drillbook:answer', (e) => {
  const d = (e as CustomEvent<AnswerDetail>).detail;
  queue({ kind: 'quiz-answer', block: d.blockId, question: d.question, choice: d.choice, correct: d.correct });
});
document.addEventListener('drillbook:exercise', (e) => {
  const d = (e as CustomEvent<ExerciseDetail>).detail;
  if (d.kind === 'hint-revealed') queue({ kind: 'hint-revealed', block: d.blockId, hint: d.hint ?? 0 });
  else if (d.kind === 'exercise-done') queue({ kind: 'exercise-done', block: d.blockId, done: d.done === true });
  else queue({ kind: 'solution-revealed', block: d.blockId });
});

void health(base).then((h) => {
  if (h?.results !== true) {
    mode = 'static';
    remove('outbox');
    return;
  }
  mode = 'server';
  // Shows what only a results server offers (the home page's "join a workshop" form).
  document.documentElement.dataset['results'] = 'on';
  enableResults(base);
  if (document.querySelector('article.lesson[data-kind="lesson"]')) enqueue({ kind: 'page-view' });
  void import('./workshop-bar.ts').then((m) => m.startWorkshopBar(base));
});
