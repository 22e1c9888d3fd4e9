/**
 * Production data from reviewable files: the worker registry from CSV and the procedures from
 * one Markdown file each, validated with the functions' own schemas, planned field by field.
 */
import { Procedure, WorkerDoc } from '@aurora/model';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_PROCEDURES } from '../../../functions/src/assistant/procedures';
import {
  formatPlan,
  parseCsv,
  planImport,
  procedureFromMarkdown,
  procedureToMarkdown,
  proceduresFromFolder,
  workersFromCsv,
} from '../../../scripts/lib/imports.ts';

describe('workers from CSV', () => {
  it('parses quoted fields with commas, quotes and line breaks', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\n"two\nlines",\n\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['two\nlines', ''],
    ]);
  });

  it('keys each worker by their E.164 number and leaves empty cells out', () => {
    const csv =
      '\uFEFFphone,worker_id,name,site,zone\n+14155550101,w-1,"Hale, Marcus",North Yard,\n+14155550102,w-2,,,\n';
    expect(workersFromCsv(csv, WorkerDoc)).toEqual({
      docs: {
        '+14155550101': { worker_id: 'w-1', name: 'Hale, Marcus', site: 'North Yard' },
        '+14155550102': { worker_id: 'w-2' },
      },
      errors: [],
    });
  });

  it('names every bad line, so nothing half-imports', () => {
    const csv =
      'phone,worker_id,name,badge\n4155550101,w-1,A,\n+14155550102,,B,\n+14155550103,w-3,C,\n+14155550103,w-4,D,\n+14155550105,w-5,E,77\n';
    expect(workersFromCsv(csv, WorkerDoc).errors).toEqual([
      'line 2: phone must be an E.164 number (+ and country code), got "4155550101"',
      expect.stringMatching(/^line 3 \(\+14155550102\): worker_id: /),
      'line 5: +14155550103 is listed twice',
      'line 6: unknown column badge',
    ]);
    expect(
      workersFromCsv('phone,worker_id,language\n+14155550101,w-1,de\n', WorkerDoc).docs,
    ).toEqual({ '+14155550101': { worker_id: 'w-1', language: 'de' } });
    expect(workersFromCsv('name,zone\nA,B\n', WorkerDoc).errors).toEqual([
      'the first row must name the columns, with at least phone and worker_id (then name, site, zone)',
    ]);
  });
});

describe('procedures from Markdown files', () => {
  const fire = `---
title: Fire (EP-01)
urgency: CRITICAL
source: Site emergency plan, section 2
keywords:
  - fire
  - smoke
translations:
  es:
    guidance: Salga ahora.
---
Leave the area now by the nearest safe exit.
Call emergency services once you are safe.
`;

  it('reads the front matter as the fields, the body as the guidance and the file name as the id', () => {
    expect(procedureFromMarkdown('fire.md', fire, Procedure)).toEqual({
      id: 'fire',
      doc: {
        title: 'Fire (EP-01)',
        urgency: 'CRITICAL',
        source: 'Site emergency plan, section 2',
        keywords: ['fire', 'smoke'],
        translations: { es: { guidance: 'Salga ahora.' } },
        guidance:
          'Leave the area now by the nearest safe exit. Call emergency services once you are safe.',
      },
    });
  });

  it('refuses what the functions would skip, saying which file and field', () => {
    expect(
      procedureFromMarkdown('gas.md', fire.replace('CRITICAL', 'SEVERE'), Procedure).error,
    ).toMatch(/^gas\.md: urgency: /);
    expect(
      procedureFromMarkdown(
        'gas.md',
        fire.replace(/keywords:\n {2}- fire\n {2}- smoke\n/, 'keywords: []\n'),
        Procedure,
      ).error,
    ).toMatch(/^gas\.md: keywords: /);
    expect(procedureFromMarkdown('gas.md', 'no front matter', Procedure).error).toBe(
      'gas.md: must start with front matter between --- lines, then the guidance',
    );
    expect(
      procedureFromMarkdown('gas.md', `---\nid: fire\n${fire.slice(4)}`, Procedure).error,
    ).toBe('gas.md: its id is its file name (gas), but the front matter says "fire"');
    expect(
      procedureFromMarkdown('gas.md', '---\ntitle: [unclosed\n---\nx', Procedure).error,
    ).toMatch(/^gas\.md: the front matter is not YAML/);
  });

  it('round-trips the whole demo library through files, unchanged', () => {
    const folder = mkdtempSync(join(tmpdir(), 'aurora-procedures-'));
    try {
      for (const { id, ...doc } of DEMO_PROCEDURES)
        writeFileSync(join(folder, `${id}.md`), procedureToMarkdown(doc));
      const { docs, errors } = proceduresFromFolder(folder, Procedure);
      expect(errors).toEqual([]);
      const expected = Object.fromEntries(DEMO_PROCEDURES.map(({ id, ...doc }) => [id, doc]));
      expect(planImport(expected, docs)).toEqual({
        add: [],
        change: [],
        same: Object.keys(expected).sort(),
        absent: [],
      });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('the import plan', () => {
  it('lists what is added, what changes field by field, and what the files no longer name', () => {
    const existing = {
      a: { worker_id: 'w-a', zone: 'Zone A' },
      b: { worker_id: 'w-b' },
      gone: { worker_id: 'w-g' },
    };
    const incoming = {
      a: { worker_id: 'w-a', zone: 'Zone B' },
      b: { worker_id: 'w-b' },
      c: { worker_id: 'w-c' },
    };
    const plan = planImport(existing, incoming);
    expect(plan).toEqual({
      add: ['c'],
      change: [{ id: 'a', fields: [{ field: 'zone', from: 'Zone A', to: 'Zone B' }] }],
      same: ['b'],
      absent: ['gone'],
    });
    expect(formatPlan('workers', plan, true)).toBe(
      [
        'workers: 1 to add, 1 to change, 1 unchanged, 1 not in the files (kept) (dry run: nothing written)',
        '  + c',
        '  ~ a',
        '      zone: "Zone A" -> "Zone B"',
        '  ? gone (in workers, not in the files: remove it by hand if it should go)',
      ].join('\n'),
    );
  });
});
