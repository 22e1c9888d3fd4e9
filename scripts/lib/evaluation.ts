/**
 * The triage evaluation, apart from its I/O: the labelled corpus, one run's figures (confusion
 * matrix, under- and over-triage, procedure hits, the safety line, reply language, reply time)
 * and the thresholds a run must hold, the conversations' (conversations.ts) among them. `scripts/eval.ts` drives it; the tests call it directly.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ConversationReport } from './conversations.ts';

export const URGENCIES = ['NORMAL', 'URGENT', 'CRITICAL'] as const;
export type Urgency = (typeof URGENCIES)[number];
const rank = (u: Urgency) => URGENCIES.indexOf(u);

/** One labelled utterance: what a caller said, and what a good triage makes of it. */
export type Case = {
  lang: string;
  text: string;
  urgency: Urgency;
  /**
   * The procedure id the answer should rest on, or null when none fits; undefined when the case's
   * writer did not say (the blind rounds label urgency only): it counts for every figure but this one.
   */
  procedure?: string | null;
  category: string;
  /** file:line, so a failure can be found. */
  where: string;
};

/** What a responder made of one case. */
export type Outcome = {
  urgency: Urgency;
  /** Ids of the procedures the reply cites. */
  procedures: string[];
  text: string;
  ms: number;
  /** The reply sends the caller to safety and to emergency services. */
  safetyLine: boolean;
  /** The language the reply is in, as detected. */
  replyLanguage: string | null;
};

/** Every `*.jsonl` file under `dir`, one case a line; a malformed line throws with its place. */
export function loadCorpus(dir: string): Case[] {
  const cases: Case[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()) {
    readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.trim() === '') return;
        const where = `${file}:${i + 1}`;
        const raw = JSON.parse(line) as Partial<Case>;
        if (
          typeof raw.text !== 'string' ||
          typeof raw.lang !== 'string' ||
          !URGENCIES.includes(raw.urgency as Urgency)
        ) {
          throw new Error(
            `${where}: a case needs text, lang and urgency (NORMAL, URGENT or CRITICAL)`,
          );
        }
        cases.push({
          lang: raw.lang,
          text: raw.text,
          urgency: raw.urgency as Urgency,
          ...(raw.procedure !== undefined ? { procedure: raw.procedure } : {}),
          category: raw.category ?? 'other',
          where,
        });
      });
  }
  return cases;
}

export type Report = {
  total: number;
  /** confusion[expected][got]: counts. */
  confusion: Record<Urgency, Record<Urgency, number>>;
  exact: number;
  over: number;
  under: number;
  /** Expected CRITICAL, answered below it. */
  underCritical: Array<{ c: Case; got: Urgency }>;
  /** Hypotheticals and negations answered above what they call for. */
  raisedByNegationOrHypothetical: Array<{ c: Case; got: Urgency }>;
  overTriaged: Array<{ c: Case; got: Urgency }>;
  procedureHit: number;
  /** Cases whose writer named the procedure (or none): what the hit rate is of. */
  procedureLabelled: number;
  procedureMisses: Array<{ c: Case; got: string[] }>;
  criticalReplies: number;
  missingSafetyLine: Array<{ c: Case; text: string }>;
  languageMatch: number;
  languageMisses: Array<{ c: Case; got: string | null }>;
  p50Ms: number;
  p95Ms: number;
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The figures of one run: `outcomes[i]` answers `cases[i]`. */
export function score(cases: Case[], outcomes: Outcome[]): Report {
  const confusion = Object.fromEntries(
    URGENCIES.map((e) => [e, Object.fromEntries(URGENCIES.map((g) => [g, 0]))]),
  ) as Report['confusion'];
  const report: Report = {
    total: cases.length,
    confusion,
    exact: 0,
    over: 0,
    under: 0,
    underCritical: [],
    raisedByNegationOrHypothetical: [],
    overTriaged: [],
    procedureHit: 0,
    procedureLabelled: 0,
    procedureMisses: [],
    criticalReplies: 0,
    missingSafetyLine: [],
    languageMatch: 0,
    languageMisses: [],
    p50Ms: 0,
    p95Ms: 0,
  };
  let exact = 0,
    over = 0,
    under = 0,
    hits = 0,
    labelled = 0,
    languages = 0;
  cases.forEach((c, i) => {
    const o = outcomes[i];
    confusion[c.urgency][o.urgency]++;
    const diff = rank(o.urgency) - rank(c.urgency);
    if (diff === 0) exact++;
    if (diff > 0) {
      over++;
      report.overTriaged.push({ c, got: o.urgency });
      if (c.category === 'hypothetical' || c.category === 'negation')
        report.raisedByNegationOrHypothetical.push({ c, got: o.urgency });
    }
    if (diff < 0) under++;
    if (c.urgency === 'CRITICAL' && diff < 0) report.underCritical.push({ c, got: o.urgency });
    if (c.procedure !== undefined) {
      labelled++;
      const hit =
        c.procedure === null ? o.procedures.length === 0 : o.procedures.includes(c.procedure);
      if (hit) hits++;
      else report.procedureMisses.push({ c, got: o.procedures });
    }
    if (o.urgency === 'CRITICAL') {
      report.criticalReplies++;
      if (!o.safetyLine) report.missingSafetyLine.push({ c, text: o.text });
    }
    if (o.replyLanguage === c.lang) languages++;
    else report.languageMisses.push({ c, got: o.replyLanguage });
  });
  const n = Math.max(1, cases.length);
  report.exact = exact / n;
  report.over = over / n;
  report.under = under / n;
  report.procedureHit = hits / Math.max(1, labelled);
  report.procedureLabelled = labelled;
  report.languageMatch = languages / n;
  const times = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  report.p50Ms = percentile(times, 50);
  report.p95Ms = percentile(times, 95);
  return report;
}

/** What a run must hold; an absent threshold is not checked. */
export type Thresholds = {
  minExact?: number;
  maxOver?: number;
  /** How many life-threatening cases may be answered below CRITICAL (0 in CI). */
  maxUnderCritical?: number;
  minProcedure?: number;
  minLanguage?: number;
  /** How many CRITICAL replies may lack the safety line. */
  maxMissingSafety?: number;
  maxRaised?: number;
  maxP95Ms?: number;
  /** How many life-threatening conversations may end below CRITICAL (0 in CI). */
  maxConversationUnderCritical?: number;
  /** How many non-emergency conversations may end CRITICAL, each a text to the on-call staff (0 in CI). */
  maxConversationTexts?: number;
};

/**
 * The thresholds the reports break, each as a sentence; empty when they hold them all. A
 * conversation threshold with no conversations run is a breach: a check that saw nothing holds nothing.
 */
export function breaches(
  report: Report,
  t: Thresholds,
  conversations?: ConversationReport,
): string[] {
  const out: string[] = [];
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  if (t.minExact !== undefined && report.exact < t.minExact)
    out.push(`exact urgency ${pct(report.exact)} < ${pct(t.minExact)}`);
  if (t.maxOver !== undefined && report.over > t.maxOver)
    out.push(`over-triage ${pct(report.over)} > ${pct(t.maxOver)}`);
  if (t.maxUnderCritical !== undefined && report.underCritical.length > t.maxUnderCritical)
    out.push(
      `${report.underCritical.length} life-threatening cases below CRITICAL > ${t.maxUnderCritical}`,
    );
  if (t.minProcedure !== undefined && report.procedureHit < t.minProcedure)
    out.push(`procedure hits ${pct(report.procedureHit)} < ${pct(t.minProcedure)}`);
  if (t.minLanguage !== undefined && report.languageMatch < t.minLanguage)
    out.push(`reply language match ${pct(report.languageMatch)} < ${pct(t.minLanguage)}`);
  if (t.maxMissingSafety !== undefined && report.missingSafetyLine.length > t.maxMissingSafety)
    out.push(
      `${report.missingSafetyLine.length} CRITICAL replies without the safety line > ${t.maxMissingSafety}`,
    );
  if (t.maxRaised !== undefined && report.raisedByNegationOrHypothetical.length > t.maxRaised)
    out.push(
      `${report.raisedByNegationOrHypothetical.length} negations or hypotheticals raised > ${t.maxRaised}`,
    );
  if (t.maxP95Ms !== undefined && report.p95Ms > t.maxP95Ms)
    out.push(`reply time p95 ${report.p95Ms.toFixed(1)} ms > ${t.maxP95Ms} ms`);
  const conversationCheck = (max: number | undefined, found: number, what: string) => {
    if (max === undefined) return;
    if (!conversations || conversations.total === 0)
      out.push(`no conversations were run to count ${what}`);
    else if (found > max) out.push(`${found} ${what} > ${max}`);
  };
  conversationCheck(
    t.maxConversationUnderCritical,
    conversations?.underCritical.length ?? 0,
    'life-threatening conversations below CRITICAL at the end',
  );
  conversationCheck(
    t.maxConversationTexts,
    conversations?.texts.length ?? 0,
    'texts to on-call staff from non-emergency conversations',
  );
  return out;
}

/** The report as a person reads it in a terminal. `verbose` lists every miss, not just the first few. */
export function format(report: Report, verbose = false): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const cap = <T>(list: T[]) => (verbose ? list : list.slice(0, 10));
  const more = (list: unknown[]) =>
    !verbose && list.length > 10 ? [`    … ${list.length - 10} more (--verbose)`] : [];
  const line = (c: Case) => `${c.where} [${c.lang}] "${c.text}"`;
  const lines = [
    `cases: ${report.total}`,
    '',
    'urgency confusion (rows expected, columns got):',
    `  ${'expected'.padEnd(10)}${URGENCIES.map((u) => u.padStart(10)).join('')}`,
    ...URGENCIES.map(
      (e) =>
        `  ${e.padEnd(10)}${URGENCIES.map((g) => String(report.confusion[e][g]).padStart(10)).join('')}`,
    ),
    '',
    `exact urgency:            ${pct(report.exact)}`,
    `over-triage:              ${pct(report.over)}`,
    `under-triage:             ${pct(report.under)}`,
    `life-threatening below CRITICAL: ${report.underCritical.length}`,
    ...report.underCritical.map(({ c, got }) => `    ${got.padEnd(8)} ${line(c)}`),
    `negations/hypotheticals raised:  ${report.raisedByNegationOrHypothetical.length}`,
    ...report.raisedByNegationOrHypothetical.map(({ c, got }) => `    ${got.padEnd(8)} ${line(c)}`),
    `over-triaged:`,
    ...cap(report.overTriaged).map(({ c, got }) => `    ${c.urgency}->${got} ${line(c)}`),
    ...more(report.overTriaged),
    `procedure hit rate:       ${pct(report.procedureHit)} (of the ${report.procedureLabelled} cases labelled with one)`,
    ...cap(report.procedureMisses).map(
      ({ c, got }) =>
        `    want ${c.procedure ?? 'none'}, got ${got.join(',') || 'none'}: ${line(c)}`,
    ),
    ...more(report.procedureMisses),
    `CRITICAL replies with the safety line: ${report.criticalReplies - report.missingSafetyLine.length}/${report.criticalReplies}` +
      (report.missingSafetyLine.length === 0 ? ' (every one)' : ''),
    ...report.missingSafetyLine.map(({ c, text }) => `    "${text}" for ${line(c)}`),
    `reply language match:     ${pct(report.languageMatch)}`,
    ...cap(report.languageMisses).map(({ c, got }) => `    got ${got ?? '?'}: ${line(c)}`),
    ...more(report.languageMisses),
    `reply time:               p50 ${report.p50Ms.toFixed(2)} ms, p95 ${report.p95Ms.toFixed(2)} ms`,
  ];
  return lines.join('\n');
}
