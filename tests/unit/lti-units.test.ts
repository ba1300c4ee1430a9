/** LTI pieces on their own: the registrations file, scores under each policy, display names. */
import { describe, expect, it } from 'vitest';
import { RATE_LIMITS, serverErrorMessage, type RateLimit } from '../../src/protocol/errors.ts';
import type { LiveColumn } from '../../src/protocol/workshops.ts';
import { scoresUrl } from '../../src/lti/ags.ts';
import { parseRegistrations } from '../../src/lti/registrations.ts';
import { scoreOf } from '../../src/lti/scores.ts';
import { courseInstructor, displayName } from '../../src/lti/service.ts';
import { parseInstructors } from '../../src/workshops/instructors.ts';
import type { StoredEvent } from '../../src/store/results.ts';
import type { LaunchClaims } from '../../src/lti/claims.ts';

const platform = {
  name: 'Moodle at Example U',
  issuer: 'https://moodle.example.edu',
  clientId: 'abc',
  deploymentIds: ['1'],
  authUrl: 'https://moodle.example.edu/mod/lti/auth.php',
  tokenUrl: 'https://moodle.example.edu/mod/lti/token.php',
  jwksUrl: 'https://moodle.example.edu/mod/lti/certs.php',
};

describe('registrations file', () => {
  it('takes several platforms, and finds one by issuer (and client id when one issuer is registered twice)', () => {
    const canvas = { ...platform, name: 'Canvas', issuer: 'https://canvas.instructure.com', clientId: '10000000000001' };
    const canvas2 = { ...canvas, name: 'Canvas (second key)', clientId: '10000000000002' };
    const r = parseRegistrations(JSON.stringify({ platforms: [platform, canvas, canvas2] }), 'p.json');
    expect(r.find('https://moodle.example.edu')?.name).toBe('Moodle at Example U');
    expect(r.find('https://canvas.instructure.com')).toBeUndefined();
    expect(r.find('https://canvas.instructure.com', '10000000000002')?.name).toBe('Canvas (second key)');
    expect(r.frameOrigins(r.find('https://moodle.example.edu')!)).toEqual(['https://moodle.example.edu']);
  });

  it('names every bad field with its platform', () => {
    const bad = { ...platform, jwksUrl: 'http://moodle.example.edu/certs.php', deploymentIds: [] };
    expect(() => parseRegistrations(JSON.stringify({ platforms: [bad] }), 'p.json')).toThrow(
      'DRILLBOOK_LTI_PLATFORMS: p.json is not a valid registrations file:\n' +
        '  platforms.0.deploymentIds (platform Moodle at Example U): Too small: expected array to have >=1 items\n' +
        "  platforms.0.jwksUrl (platform Moodle at Example U): jwksUrl (the platform's public keys) must be an https:// URL (http:// only for localhost or 127.0.0.1)",
    );
    expect(() => parseRegistrations('{"platforms": [', 'p.json')).toThrow(/^DRILLBOOK_LTI_PLATFORMS: p.json is not JSON/);
    expect(() => parseRegistrations(JSON.stringify({ platforms: [platform, platform] }), 'p.json')).toThrow(
      'issuer https://moodle.example.edu with client id abc is registered twice',
    );
    expect(() => parseRegistrations(JSON.stringify({ platforms: [{ ...platform, secret: 'x' }] }), 'p.json')).toThrow(
      /Unrecognized key: "secret"/,
    );
  });
});

describe('scores', () => {
  const quiz: LiveColumn = {
    type: 'quiz',
    id: 'q',
    lesson: 'l',
    title: 'Q',
    questions: [
      { text: 'a', options: ['x', 'y'], correct: [0] },
      { text: 'b', options: ['x', 'y'], correct: [1] },
    ],
  };
  const lab: LiveColumn = {
    type: 'lab',
    id: 'lab',
    lesson: 'l',
    title: 'L',
    checks: [
      { id: 'a', title: 'A' },
      { id: 'b', title: 'B' },
    ],
  };
  let id = 0;
  const ev = (question: number, correct: boolean): StoredEvent => ({
    id: ++id,
    learner: 'L',
    clientId: `e${id}`,
    kind: 'quiz-answer',
    page: 'l',
    block: 'q',
    question,
    choice: [0],
    correct,
    detail: null,
    workshop: null,
    clientAt: '',
    at: '',
  });

  it('counts the first, best or last answer per question, and lab checks of the best attempt', () => {
    const events = [ev(0, false), ev(0, true), ev(1, true), ev(1, false)];
    expect(scoreOf([quiz], events, new Map(), 'first')).toEqual({
      scoreGiven: 1,
      scoreMaximum: 2,
      activityProgress: 'Completed',
      gradingProgress: 'FullyGraded',
    });
    expect(scoreOf([quiz], events, new Map(), 'best').scoreGiven).toBe(2);
    expect(scoreOf([quiz], events, new Map(), 'last').scoreGiven).toBe(1);
    expect(scoreOf([quiz, lab], events, new Map([['lab', 1]]), 'best')).toEqual({
      scoreGiven: 3,
      scoreMaximum: 4,
      activityProgress: 'InProgress',
      gradingProgress: 'FullyGraded',
    });
    expect(scoreOf([quiz, lab], [], new Map(), 'first').activityProgress).toBe('Initialized');
    expect(scoreOf([lab], [], new Map([['lab', 2]]), 'first').activityProgress).toBe('Completed');
  });
});

describe('names and URLs', () => {
  const claims = (c: Partial<LaunchClaims>) => c as LaunchClaims;
  it('a display name from the LMS: name, else given and family names, else the email, without control characters, 40 characters at most', () => {
    expect(displayName(claims({ name: ' Ana\u0007 Lima ' }))).toBe('Ana Lima');
    expect(displayName(claims({ given_name: 'Bo', family_name: 'Chen' }))).toBe('Bo Chen');
    expect(displayName(claims({ email: 'cy@example.edu' }))).toBe('cy');
    expect(displayName(claims({}))).toBe('Learner');
    expect([...displayName(claims({ name: 'é'.repeat(60) }))]).toHaveLength(40);
  });

  it('the scores URL of a line item keeps its query (Moodle)', () => {
    expect(scoresUrl('https://moodle.example.edu/mod/lti/services.php/2/lineitems/7/lineitem?type_id=3')).toBe(
      'https://moodle.example.edu/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=3',
    );
    expect(scoresUrl('https://canvas.example.edu/api/lti/courses/1/line_items/9')).toBe(
      'https://canvas.example.edu/api/lti/courses/1/line_items/9/scores',
    );
  });
});

describe('LMS course instructors', () => {
  it('are lti-… accounts per course; password instructors may not take such a name', () => {
    const a = courseInstructor('https://lms', 'd1', 'course-1');
    expect(a).toMatch(/^lti-[0-9a-f]{20}$/);
    expect(courseInstructor('https://lms', 'd1', 'course-2')).not.toBe(a);
    expect(() => parseInstructors('lti-x:pw')).toThrow(
      'DRILLBOOK_INSTRUCTOR_PASSWORD: "lti-x": names starting with lti- are kept for the instructors of LMS courses (LTI); choose another',
    );
  });
});

describe('rate limits: one catalogue text (RateLimited) for every limit', () => {
  it('says what was counted, whose, how long to wait and what to do then', () => {
    expect(Object.keys(RATE_LIMITS).map((k) => serverErrorMessage('RateLimited', k as RateLimit, 42))).toEqual([
      'Too many sandbox starts in the last minute. Wait 42 s, then try again.',
      'Too many sandbox starts from your address in the last minute. Wait 42 s, then try again.',
      'Too many sign-in attempts from your address in the last minute. Wait 42 s, then try again.',
      'Too many attempts to join from your address in the last minute. Wait 42 s, then try again.',
      'Too many LTI launches from your address in the last minute. Wait 42 s, then open the link in the LMS again.',
    ]);
  });
});
