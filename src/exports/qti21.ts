/**
 * QTI 2.1 as an IMS content package (a zip): `imsmanifest.xml` (IMS CP
 * 1.1) listing one `imsqti_item_xmlv2p1` resource per question and one
 * `imsqti_test_xmlv2p1` resource, `assessment.xml`, whose nested
 * assessmentSections are the categories (section(s), then lesson) and refer
 * to the items.
 *
 * Each item (`items/<id>.xml`): a responseDeclaration RESPONSE (identifier,
 * single or multiple cardinality, the correct choices; for multiple choice a
 * mapping with the option weights), outcomes SCORE, MAXSCORE and FEEDBACK,
 * the question and a choiceInteraction (the author's order, no shuffling;
 * maxChoices 1 or 0), response processing (right: SCORE 1; multiple choice
 * otherwise the mapped partial score, floored at 0; FEEDBACK = the chosen
 * options) and a modalFeedback per option that has feedback, shown when
 * that option is chosen.
 *
 * The zip is written by fflate with a fixed date, so the same course gives
 * the same bytes.
 */
import { createHash } from 'node:crypto';
import { strToU8, zipSync } from 'fflate';
import type { BankQuestion, QuestionBank } from './question-bank.ts';
import { escapeXml, xmlSafe } from './xml.ts';

const QTI_NS = 'http://www.imsglobal.org/xsd/imsqti_v2p1';
const QTI_XSD = 'http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd';
const CP_NS = 'http://www.imsglobal.org/xsd/imscp_v1p1';
const CP_XSD = 'http://www.imsglobal.org/xsd/imscp_v1p1.xsd';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

/** An xs:NCName (ASCII) from a stable id: kept when it is one, else "Q_" + its characters with others as "_". */
export function qtiIdentifier(id: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(id) ? id : `Q_${id.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/** Choice identifiers C1, C2, … in the author's order. */
export const choiceId = (i: number) => `C${i + 1}`;

const num = (x: number) => String(Math.round(x * 10_000_000) / 10_000_000);

export function qtiItem(q: BankQuestion, identifier: string): string {
  const card = q.multiple ? 'multiple' : 'single';
  const right = q.options.flatMap((o, i) => (o.correct ? [choiceId(i)] : []));
  const mapping = q.multiple
    ? [
        '    <mapping lowerBound="0" upperBound="1" defaultValue="0">',
        ...q.options.map((o, i) => `      <mapEntry mapKey="${choiceId(i)}" mappedValue="${num(o.weight / 100)}"/>`),
        '    </mapping>',
      ]
    : [];
  const setScore = (inner: string) => `<setOutcomeValue identifier="SCORE">${inner}</setOutcomeValue>`;
  const one = setScore('<baseValue baseType="float">1</baseValue>');
  const zero = setScore('<baseValue baseType="float">0</baseValue>');
  const matchCorrect = '<match><variable identifier="RESPONSE"/><correct identifier="RESPONSE"/></match>';
  const scoring = q.multiple
    ? `    <responseCondition><responseIf>${matchCorrect}${one}</responseIf><responseElseIf><isNull><variable identifier="RESPONSE"/></isNull>${zero}</responseElseIf><responseElse>${setScore('<mapResponse identifier="RESPONSE"/>')}</responseElse></responseCondition>`
    : `    <responseCondition><responseIf>${matchCorrect}${one}</responseIf><responseElse>${zero}</responseElse></responseCondition>`;
  const title = `${q.quizTitle} · ${q.index + 1}`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<assessmentItem xmlns="${QTI_NS}" xmlns:xsi="${XSI}" xsi:schemaLocation="${QTI_NS} ${QTI_XSD}" identifier="${identifier}" title="${escapeXml(title)}" adaptive="false" timeDependent="false">`,
    `  <responseDeclaration identifier="RESPONSE" cardinality="${card}" baseType="identifier">`,
    `    <correctResponse>${right.map((r) => `<value>${r}</value>`).join('')}</correctResponse>`,
    ...mapping,
    '  </responseDeclaration>',
    '  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"><defaultValue><value>0</value></defaultValue></outcomeDeclaration>',
    '  <outcomeDeclaration identifier="MAXSCORE" cardinality="single" baseType="float"><defaultValue><value>1</value></defaultValue></outcomeDeclaration>',
    `  <outcomeDeclaration identifier="FEEDBACK" cardinality="${card}" baseType="identifier"/>`,
    '  <itemBody>',
    `    <div class="question"><p>${xmlSafe(q.html)}</p></div>`,
    `    <choiceInteraction responseIdentifier="RESPONSE" shuffle="false" maxChoices="${q.multiple ? 0 : 1}">`,
    ...q.options.map((o, i) => `      <simpleChoice identifier="${choiceId(i)}">${xmlSafe(o.html)}</simpleChoice>`),
    '    </choiceInteraction>',
    '  </itemBody>',
    '  <responseProcessing>',
    scoring,
    '    <setOutcomeValue identifier="FEEDBACK"><variable identifier="RESPONSE"/></setOutcomeValue>',
    '  </responseProcessing>',
    ...q.options.flatMap((o, i) =>
      o.feedbackHtml
        ? [
            `  <modalFeedback outcomeIdentifier="FEEDBACK" identifier="${choiceId(i)}" showHide="show">${xmlSafe(o.feedbackHtml)}</modalFeedback>`,
          ]
        : [],
    ),
    '</assessmentItem>',
    '',
  ].join('\n');
}

interface SectionNode {
  title: string;
  identifier: string;
  children: SectionNode[];
  items: string[];
}

/** The categories below the course as nested sections; items in order. */
function sectionTree(bank: QuestionBank, idOf: Map<BankQuestion, string>): SectionNode[] {
  const root: SectionNode = { title: '', identifier: 'S', children: [], items: [] };
  for (const q of bank.questions) {
    let node = root;
    for (const title of q.category.slice(1)) {
      let child = node.children.find((c) => c.title === title);
      if (!child) {
        child = { title, identifier: `${node.identifier}-${node.children.length + 1}`, children: [], items: [] };
        node.children.push(child);
      }
      node = child;
    }
    node.items.push(idOf.get(q) as string);
  }
  return root.children;
}

function sectionXml(s: SectionNode, depth: number): string[] {
  const pad = '  '.repeat(depth);
  return [
    `${pad}<assessmentSection identifier="${s.identifier}" title="${escapeXml(s.title)}" visible="true">`,
    ...s.children.flatMap((c) => sectionXml(c, depth + 1)),
    ...s.items.map((id) => `${pad}  <assessmentItemRef identifier="${id}" href="items/${id}.xml"/>`),
    `${pad}</assessmentSection>`,
  ];
}

export function qtiTest(bank: QuestionBank, idOf: Map<BankQuestion, string>): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<assessmentTest xmlns="${QTI_NS}" xmlns:xsi="${XSI}" xsi:schemaLocation="${QTI_NS} ${QTI_XSD}" identifier="drillbook-bank" title="${escapeXml(bank.courseTitle)}">`,
    '  <testPart identifier="P1" navigationMode="nonlinear" submissionMode="individual">',
    ...sectionTree(bank, idOf).flatMap((s) => sectionXml(s, 2)),
    '  </testPart>',
    '</assessmentTest>',
    '',
  ].join('\n');
}

export function qtiManifest(bank: QuestionBank, ids: string[]): string {
  const key = createHash('sha256')
    .update(bank.courseTitle + '\u0000' + ids.join('\u0000'))
    .digest('hex')
    .slice(0, 16);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<manifest xmlns="${CP_NS}" xmlns:xsi="${XSI}" xsi:schemaLocation="${CP_NS} ${CP_XSD}" identifier="MANIFEST-${key}">`,
    '  <metadata>',
    '    <schema>QTIv2.1 Package</schema>',
    '    <schemaversion>1.0.0</schemaversion>',
    '  </metadata>',
    '  <organizations/>',
    '  <resources>',
    ...(ids.length === 0
      ? []
      : [
          '    <resource identifier="RES-TEST" type="imsqti_test_xmlv2p1" href="assessment.xml">',
          '      <file href="assessment.xml"/>',
          ...ids.map((id) => `      <dependency identifierref="RES-${id}"/>`),
          '    </resource>',
        ]),
    ...ids.flatMap((id) => [
      `    <resource identifier="RES-${id}" type="imsqti_item_xmlv2p1" href="items/${id}.xml">`,
      `      <file href="items/${id}.xml"/>`,
      '    </resource>',
    ]),
    '  </resources>',
    '</manifest>',
    '',
  ].join('\n');
}

/** The package: a zip with imsmanifest.xml, assessment.xml and items/<id>.xml. */
export function qtiPackage(bank: QuestionBank): Uint8Array {
  const idOf = new Map<BankQuestion, string>();
  const taken = new Set<string>();
  for (const q of bank.questions) {
    const base = qtiIdentifier(q.id);
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
    taken.add(id);
    idOf.set(q, id);
  }
  const ids = bank.questions.map((q) => idOf.get(q) as string);
  const mtime = new Date('2000-01-01T00:00:00Z');
  const files: Record<string, [Uint8Array, { mtime: Date }]> = {
    'imsmanifest.xml': [strToU8(qtiManifest(bank, ids)), { mtime }],
  };
  // A test part needs a section: a course without questions gives a package with no test.
  if (ids.length > 0) files['assessment.xml'] = [strToU8(qtiTest(bank, idOf)), { mtime }];
  for (const q of bank.questions) files[`items/${idOf.get(q)}.xml`] = [strToU8(qtiItem(q, idOf.get(q) as string)), { mtime }];
  return zipSync(files, { level: 6 });
}
