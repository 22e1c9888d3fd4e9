import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  breaches,
  loadCorpus,
  score,
  type Case,
  type Outcome,
} from '../../../scripts/lib/evaluation.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');

const c = (
  urgency: Case['urgency'],
  category = 'medical',
  procedure: string | null = 'collapse',
): Case => ({ lang: 'en', text: 't', urgency, procedure, category, where: 'x:1' });
const o = (urgency: Outcome['urgency'], extra: Partial<Outcome> = {}): Outcome => ({
  urgency,
  procedures: ['collapse'],
  text: 'r',
  ms: 1,
  safetyLine: true,
  replyLanguage: 'en',
  ...extra,
});

describe('the evaluation figures', () => {
  it('counts the confusion matrix, over- and under-triage, and lists life-threatening misses', () => {
    const cases = [c('CRITICAL'), c('CRITICAL'), c('NORMAL', 'hypothetical'), c('URGENT')];
    const report = score(cases, [
      o('CRITICAL'),
      o('URGENT'),
      o('CRITICAL'),
      o('URGENT', { procedures: [] }),
    ]);
    expect(report.confusion.CRITICAL).toEqual({ NORMAL: 0, URGENT: 1, CRITICAL: 1 });
    expect(report.exact).toBe(0.5);
    expect(report.over).toBe(0.25);
    expect(report.under).toBe(0.25);
    expect(report.underCritical.map((m) => m.got)).toEqual(['URGENT']);
    expect(report.raisedByNegationOrHypothetical).toHaveLength(1);
    expect(report.procedureHit).toBe(0.75);
  });

  it('checks the safety line on CRITICAL replies only, and the reply language', () => {
    const report = score(
      [c('CRITICAL'), c('NORMAL')],
      [
        o('CRITICAL', { safetyLine: false }),
        o('NORMAL', { safetyLine: false, replyLanguage: 'de' }),
      ],
    );
    expect(report.criticalReplies).toBe(1);
    expect(report.missingSafetyLine).toHaveLength(1);
    expect(report.languageMatch).toBe(0.5);
  });

  it('names every threshold a run breaks, and none it holds', () => {
    const report = score([c('CRITICAL'), c('NORMAL')], [o('URGENT'), o('URGENT')]);
    expect(breaches(report, { minExact: 0.9, maxOver: 0.1, maxUnderCritical: 0 })).toEqual([
      'exact urgency 0.0% < 90.0%',
      'over-triage 50.0% > 10.0%',
      '1 life-threatening cases below CRITICAL > 0',
    ]);
    expect(breaches(report, { minExact: 0, maxOver: 0.5, maxUnderCritical: 1 })).toEqual([]);
  });

  it('loads the corpus: at least 250 labelled utterances in at least four languages', () => {
    const cases = loadCorpus(join(ROOT, 'eval', 'corpus'));
    expect(cases.length).toBeGreaterThanOrEqual(250);
    expect(new Set(cases.map((x) => x.lang)).size).toBeGreaterThanOrEqual(4);
    expect(cases.every((x) => x.text.trim() !== '')).toBe(true);
  });
});

describe('npm run eval', () => {
  // A small corpus of its own, so the run takes a second, not the whole corpus.
  const dir = mkdtempSync(join(tmpdir(), 'aurora-eval-'));
  writeFileSync(
    join(dir, 'mini.jsonl'),
    [
      {
        lang: 'en',
        text: 'my colleague collapsed and is not breathing',
        urgency: 'CRITICAL',
        procedure: 'collapse',
        category: 'medical',
      },
      {
        lang: 'en',
        text: 'where is the assembly point for zone b',
        urgency: 'NORMAL',
        procedure: 'evacuation',
        category: 'evacuation',
      },
    ]
      .map((x) => JSON.stringify(x))
      .join('\n'),
  );
  // And one conversation, mislabelled on purpose: a fire in flames is CRITICAL, so it "texts" the on-call staff.
  const conversations = mkdtempSync(join(tmpdir(), 'aurora-eval-conversations-'));
  writeFileSync(
    join(conversations, 'mini.jsonl'),
    JSON.stringify({
      lang: 'en',
      life_threatening: false,
      urgency: 'NORMAL',
      class: 'mislabelled',
      turns: ['there is a fire in the warehouse, flames everywhere'],
    }),
  );
  const evalRun = (...args: string[]) =>
    run(
      process.execPath,
      [
        join(ROOT, 'scripts', 'eval.ts'),
        '--responder',
        'offline',
        '--corpus',
        dir,
        '--conversations',
        conversations,
        ...args,
      ],
      { cwd: ROOT },
    ).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (err: { code: number; stdout: string; stderr: string }) => ({
        code: err.code,
        stdout: err.stdout + err.stderr,
      }),
    );

  it('exits 0 when the run holds its thresholds', async () => {
    const { code, stdout } = await evalRun(
      '--min-exact',
      '0.9',
      '--max-over',
      '0.1',
      '--max-under-critical',
      '0',
    );
    expect(stdout).toContain('Every threshold held.');
    expect(code).toBe(0);
  }, 30_000);

  it('exits 1 and says why when a threshold is broken', async () => {
    const { code, stdout } = await evalRun('--min-exact', '1.01');
    expect(stdout).toContain('FAILED: exact urgency 100.0% < 101.0%');
    expect(code).toBe(1);
  }, 30_000);

  it('runs the conversations too, and exits 1 on their thresholds', async () => {
    const { code, stdout } = await evalRun(
      '--max-conversation-texts',
      '0',
      '--max-conversation-under-critical',
      '0',
    );
    expect(stdout).toContain('conversations: 1 (0 life-threatening)');
    expect(stdout).toContain(
      'FAILED: 1 texts to on-call staff from non-emergency conversations > 0',
    );
    expect(code).toBe(1);
  }, 30_000);

  it('exits 2 on a usage error', async () => {
    const { code } = await evalRun('--max-over', 'lots');
    expect(code).toBe(2);
  }, 30_000);
});
