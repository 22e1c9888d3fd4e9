/**
 * Production data for `npm run admin -- import workers <file.csv>` and `import procedures
 * <folder>`: parsed from reviewable files, validated with the zod schemas the functions read
 * the same documents with (passed in: functions/src/adapters/workers.ts WorkerDoc and
 * functions/src/assistant/procedures.ts Procedure, compiled), planned against what the project
 * holds (added, changed field by field, unchanged, not in the files), and written only when the
 * plan has no errors and it is not a dry run. Nothing is deleted: a document the files no longer
 * name is listed, for a person to remove.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Firestore } from 'firebase-admin/firestore';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { E164 } from './deploy-env.ts';

/** What the imports need of a zod schema: its safeParse (the functions' schemas are zod 4). */
/** A zod object schema, as the functions compile it: its fields (`shape`) and its check. */
export type Schema = {
  shape: Record<string, unknown>;
  safeParse(
    value: unknown,
  ):
    | { success: true; data: unknown }
    | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } };
};

export type Docs = Record<string, Record<string, unknown>>;
export type Parsed = { docs: Docs; errors: string[] };

const issues = (error: { issues: Array<{ path: PropertyKey[]; message: string }> }) =>
  error.issues.map((i) => `${i.path.map(String).join('.') || 'document'}: ${i.message}`).join('; ');

/** RFC 4180 CSV: quoted fields may hold commas, quotes (doubled) and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endField();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else field += c;
  }
  if (field !== '' || row.length > 0) endRow();
  return rows.filter((r) => r.some((cell) => cell.trim() !== ''));
}

/**
 * The worker registry from a CSV with a header row: `phone` (E.164, the document id) and the
 * registry's fields (worker_id, name, site, zone). Empty cells are left out.
 */
export function workersFromCsv(text: string, schema: Schema): Parsed {
  const [header, ...rows] = parseCsv(text.replace(/^\uFEFF/, ''));
  const errors: string[] = [];
  const docs: Docs = {};
  const columns = (header ?? []).map((h) => h.trim());
  if (!columns.includes('phone') || !columns.includes('worker_id'))
    return {
      docs,
      errors: [
        'the first row must name the columns, with at least phone and worker_id (then name, site, zone)',
      ],
    };
  rows.forEach((cells, index) => {
    const line = index + 2;
    const record = Object.fromEntries(
      columns.map((c, i) => [c, (cells[i] ?? '').trim()]).filter(([, v]) => v !== ''),
    );
    const { phone, ...fields } = record as Record<string, string>;
    if (!phone || !E164.test(phone))
      return void errors.push(
        `line ${line}: phone must be an E.164 number (+ and country code), got ${phone ? `"${phone}"` : 'nothing'}`,
      );
    if (docs[phone]) return void errors.push(`line ${line}: ${phone} is listed twice`);
    // The registry's own fields, language included: a list of its own here fell behind the schema once.
    const unknown = Object.keys(fields).filter((k) => !(k in schema.shape));
    if (unknown.length)
      return void errors.push(
        `line ${line}: unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`,
      );
    const parsed = schema.safeParse(fields);
    if (!parsed.success)
      return void errors.push(`line ${line} (${phone}): ${issues(parsed.error)}`);
    docs[phone] = parsed.data as Record<string, unknown>;
  });
  return { docs, errors };
}

/**
 * One procedure per Markdown file: YAML front matter with its fields (title, urgency, keywords,
 * source, translations…), the spoken guidance as the body, the file's name (fire.md) as its id.
 */
export function procedureFromMarkdown(
  fileName: string,
  text: string,
  schema: Schema,
): { id: string; doc?: Record<string, unknown>; error?: string } {
  const id = basename(fileName, extname(fileName));
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!match)
    return {
      id,
      error: `${fileName}: must start with front matter between --- lines, then the guidance`,
    };
  let front: unknown;
  try {
    front = parseYaml(match[1]!);
  } catch (err) {
    return {
      id,
      error: `${fileName}: the front matter is not YAML: ${(err as Error).message.split('\n')[0]}`,
    };
  }
  if (typeof front !== 'object' || front === null || Array.isArray(front))
    return { id, error: `${fileName}: the front matter must be fields (title: …)` };
  const fields = front as Record<string, unknown>;
  if (fields.id !== undefined && fields.id !== id)
    return {
      id,
      error: `${fileName}: its id is its file name (${id}), but the front matter says ${JSON.stringify(fields.id)}`,
    };
  const guidance = match[2]!.trim().replace(/\s*\n\s*/g, ' ');
  const parsed = schema.safeParse({ ...fields, id, guidance });
  if (!parsed.success) return { id, error: `${fileName}: ${issues(parsed.error)}` };
  const doc = { ...(parsed.data as Record<string, unknown>) };
  delete doc.id;
  return { id, doc };
}

export function proceduresFromFolder(folder: string, schema: Schema): Parsed {
  const docs: Docs = {};
  const errors: string[] = [];
  const files = readdirSync(folder)
    .filter((f) => f.endsWith('.md'))
    .sort();
  if (files.length === 0) errors.push(`${folder} holds no .md procedure files`);
  for (const file of files) {
    const { id, doc, error } = procedureFromMarkdown(
      file,
      readFileSync(join(folder, file), 'utf8'),
      schema,
    );
    if (error) errors.push(error);
    else docs[id] = doc!;
  }
  return { docs, errors };
}

/** A procedure as a reviewable Markdown file (the inverse of procedureFromMarkdown), for `export procedures`. */
export function procedureToMarkdown(doc: Record<string, unknown>): string {
  const fields = { ...doc };
  const guidance = typeof fields.guidance === 'string' ? fields.guidance : '';
  delete fields.id;
  delete fields.guidance;
  return `---\n${toYaml(fields, { lineWidth: 0 }).trimEnd()}\n---\n${guidance}\n`;
}

export type Plan = {
  add: string[];
  change: Array<{ id: string; fields: Array<{ field: string; from: unknown; to: unknown }> }>;
  same: string[];
  /** In the project, not in the files: kept (the import never deletes). */
  absent: string[];
};

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );

/** What writing `incoming` over `existing` changes, document by document and field by field. */
export function planImport(existing: Docs, incoming: Docs): Plan {
  const plan: Plan = {
    add: [],
    change: [],
    same: [],
    absent: Object.keys(existing)
      .filter((id) => !(id in incoming))
      .sort(),
  };
  for (const id of Object.keys(incoming).sort()) {
    const before = existing[id];
    if (!before) {
      plan.add.push(id);
      continue;
    }
    const after = incoming[id]!;
    const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .sort()
      .filter((field) => canonical(before[field]) !== canonical(after[field]))
      .map((field) => ({ field, from: before[field], to: after[field] }));
    if (fields.length) plan.change.push({ id, fields });
    else plan.same.push(id);
  }
  return plan;
}

const show = (value: unknown) =>
  value === undefined
    ? '(none)'
    : typeof value === 'string'
      ? JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)
      : canonical(value).slice(0, 80);

/** The plan as the command prints it. */
export function formatPlan(collection: string, plan: Plan, dryRun: boolean): string {
  const lines = [
    `${collection}: ${plan.add.length} to add, ${plan.change.length} to change, ${plan.same.length} unchanged${plan.absent.length ? `, ${plan.absent.length} not in the files (kept)` : ''}${dryRun ? ' (dry run: nothing written)' : ''}`,
    ...plan.add.map((id) => `  + ${id}`),
    ...plan.change.flatMap(({ id, fields }) => [
      `  ~ ${id}`,
      ...fields.map(({ field, from, to }) => `      ${field}: ${show(from)} -> ${show(to)}`),
    ]),
    ...plan.absent.map(
      (id) => `  ? ${id} (in ${collection}, not in the files: remove it by hand if it should go)`,
    ),
  ];
  return lines.join('\n');
}

/** Firestore allows 500 writes in one batch. */
const BATCH_LIMIT = 500;

export async function readCollection(firestore: Firestore, collection: string): Promise<Docs> {
  const snapshot = await firestore.collection(collection).get();
  return Object.fromEntries(snapshot.docs.map((d) => [d.id, d.data()]));
}

/** Writes the added and changed documents whole (a field the file no longer has goes too). */
export async function applyPlan(
  firestore: Firestore,
  collection: string,
  plan: Plan,
  incoming: Docs,
): Promise<number> {
  const ids = [...plan.add, ...plan.change.map((c) => c.id)];
  for (let i = 0; i < ids.length; i += BATCH_LIMIT) {
    const batch = firestore.batch();
    for (const id of ids.slice(i, i + BATCH_LIMIT))
      batch.set(firestore.collection(collection).doc(id), incoming[id]!);
    await batch.commit();
  }
  return ids.length;
}
