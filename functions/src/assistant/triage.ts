/**
 * The offline triage: which procedures a caller's words point at and how urgent the call is,
 * from the words alone. It is the floor under every reply (no model may answer lower), so it
 * must never miss a life-threatening call, and must not cry wolf either: a negated hazard
 * ("there is no fire", "nobody is hurt") raises nothing, a question about what might happen
 * ("what do I do if…", "before I go into the tank tomorrow…") is answered with the procedure
 * but raises nothing, a fire already put out is reported, not alarmed. Misrecognised words
 * still match (stems, small misspellings, words run together or split apart). Pure.
 */
import { rank } from '../core/urgency';
import type { Language, Procedure, Urgency } from '@aurora/model';
import {
  CONDITION_REACH,
  CONDITIONS_BY_LANGUAGE,
  DOING,
  FILLERS,
  HURT,
  HYPOTHETICAL_OPENERS,
  LIGHT_WORDS,
  NEGATIONS,
  NEGATIONS_BY_LANGUAGE,
  NOBODY,
  NOT_PLANNING_BEFORE,
  NOW,
  PLANNING,
  RESOLVED,
  SOMEONE_THERE,
  STATE,
  TO_WHOM,
  WHAT,
} from './cues';
import { saysAbout } from './answers';
import { detectLanguage } from './language';
import {
  ALL_CLEAR,
  DRILL,
  DRILL_ENDINGS,
  DURING,
  FAULTY,
  IDIOMS,
  INDEFINITE,
  OVER,
  PAST,
  PAST_BY_LANGUAGE,
  PLANNED,
  REAL,
  RECOVERED,
  STILL,
  TITLES,
} from './realityCues';
import { namesIn, tokenize, type Token } from './speech';
import { compile, keywordHits, negated, type Reading } from './keywords';

/** One keyword phrase of a procedure found in the speech. */
export type Match = {
  procedure: Procedure;
  keyword: string;
  /** First and last token of the match. */
  start: number;
  end: number;
  /** 1 per word matched exactly or by stem, 0.8 per misrecognised word. */
  score: number;
  /** What the match may raise the call to, once negation, hypotheticals and "it is out" are weighed. */
  urgency: Urgency | null;
  /** Every word as said, or its stem: no misspelling or sound-alike stood in. */
  exact: boolean;
  /**
   * A keyword marked "?" in the procedures: it raises the call only provisionally, until the
   * caller answers the procedure's key question ("he collapsed": is he awake and breathing?).
   */
  unsure: boolean;
};

/**
 * How to read the speech: its language (detected when not given; every language's negations
 * when null) and the registry's workers' names, whose words never count as hazards ("Blaze",
 * "Herr Brand").
 */
export type TriageOptions = { language?: Language | null; names?: string[] };

export type Triage = {
  urgency: Urgency;
  /** Most urgent first (by what the words make of them), a danger to rescuers first at its urgency, then the best matched. */
  procedures: Procedure[];
  /** What the words make of each of those procedures: "what if there is a fire" is a NORMAL fire. */
  urgencies: Map<Procedure, Urgency>;
  matches: Match[];
  /** CRITICAL only on unsure words ("she collapsed"): to be confirmed by the caller's answer. */
  provisional: boolean;
  /** The highest-ranked procedure raised only by unsure words: the one whose key question settles the call. */
  unsure?: Procedure;
};

/** Where a list of phrases (cue words) matches exactly, as [start, end] token indexes. */
function findPhrases(tokens: Token[], phrases: string[][]): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  for (let i = 0; i < tokens.length; i++) {
    for (const phrase of phrases) {
      if (phrase.every((w, k) => tokens[i + k]?.word === w)) found.push([i, i + phrase.length - 1]);
    }
  }
  return found;
}

/**
 * Which matches the speech asks about rather than reports: all of them after a planning word
 * anywhere ("tomorrow"); those ending after an opener at the start of a clause ("…, what if")
 * or "what … do … if"; none when the caller says it is happening now, or when the condition is
 * about someone there, now ("what do I do if he's not breathing").
 */
function hypotheticalReading(
  tokens: Token[],
  lang: Language | null,
): (m: { end: number }) => boolean {
  const never = () => false;
  if (tokens.some((t) => NOW.has(t.word))) return never;
  const planned = findPhrases(tokens, PLANNING).filter(
    ([start]) => !NOT_PLANNING_BEFORE.has(tokens[start - 1]?.word ?? ''),
  );
  if (planned.length > 0) return () => true;
  const whatIf = whatIfAt(tokens, lang);
  const opener = [
    ...(whatIf ? [whatIf] : []),
    ...findPhrases(tokens, HYPOTHETICAL_OPENERS).filter(([start]) => opensClause(tokens, start)),
  ]
    .filter(([, condition]) => !aboutSomeoneThere(tokens, condition + 1))
    .sort(([a], [b]) => a - b)[0];
  if (!opener) return never;
  // A later clause that says someone is in trouble now ends the question: "what would you do if
  // someone was stabbed, my mate has just been stabbed".
  const report = tokens.findIndex(
    (t, i) =>
      i > opener[1] &&
      t.clause > tokens[opener[1]].clause &&
      tokens[i - 1].clause < t.clause &&
      reportsNow(tokens, i),
  );
  return (m) => m.end >= opener[0] && (report < 0 || m.end < report);
}

/** A clause opening on someone in trouble now: "he's…", "il ne…", "there's…", "my mate has…". */
function reportsNow(tokens: Token[], i: number): boolean {
  const [a, b, c] = [tokens[i]?.word, tokens[i + 1]?.word, tokens[i + 2]?.word];
  return (
    aboutSomeoneThere(tokens, i) ||
    a === 'theres' ||
    (a === 'there' && (b === 's' || b === 'is')) ||
    ((a === 'my' || a === 'our') && ['s', 'is', 'has'].includes(c ?? ''))
  );
}

/** "…if he's not breathing", "…wenn er nicht mehr atmet", "…s'il ne respire plus": a condition about someone there, now. */
function aboutSomeoneThere(tokens: Token[], i: number): boolean {
  const word = tokens[i]?.word ?? '';
  return (
    word === 'hes' ||
    word === 'shes' ||
    (SOMEONE_THERE.has(word) && STATE.has(tokens[i + 1]?.word ?? ''))
  );
}

/** Every language's "if" that is no other word too: "si" and "se" are, so an unknown language has only these. */
const UNAMBIGUOUS_CONDITIONS = new Set([
  ...CONDITIONS_BY_LANGUAGE.en,
  ...CONDITIONS_BY_LANGUAGE.de,
]);

/** "What are we meant to do if…": "what" opening the speech, a verb of doing, then the language's "if": [where "what" is, where "if" is]. */
function whatIfAt(tokens: Token[], lang: Language | null): [number, number] | undefined {
  let first = 0;
  while (first < tokens.length && FILLERS.has(tokens[first].word)) first++;
  if (tokens[first]?.word === 'o' && tokens[first + 1]?.word === 'que') first++; // Portuguese "o que"
  // "A quién llamo si…", "pra quem eu ligo se…": whom to call is asked with a preposition.
  if (TO_WHOM.has(tokens[first]?.word ?? '') && WHAT.has(tokens[first + 1]?.word ?? '')) first++;
  if (!WHAT.has(tokens[first]?.word ?? '')) return undefined;
  const conditions = lang ? CONDITIONS_BY_LANGUAGE[lang] : UNAMBIGUOUS_CONDITIONS;
  const reach = tokens
    .slice(first + 1, first + 1 + CONDITION_REACH)
    .filter((t) => t.clause === tokens[first].clause);
  const condition = reach.findIndex((t) => conditions.has(t.word));
  return condition > 0 && reach.slice(0, condition).some((t) => DOING.has(t.word))
    ? [first, first + 1 + condition]
    : undefined;
}

/** Whether the phrase at `start` opens its clause, fillers aside ("so, uh, what if…"). */
function opensClause(tokens: Token[], start: number): boolean {
  let j = start - 1;
  while (j >= 0 && tokens[j].clause === tokens[start].clause && FILLERS.has(tokens[j].word)) j--;
  return j < 0 || tokens[j].clause !== tokens[start].clause;
}

/** "Nobody is hurt", "no one got hurt", "no injuries", "verletzt ist keiner", "ninguém se machucou". */
function saysNobodyHurt(tokens: Token[]): boolean {
  for (const [, end] of findPhrases(tokens, NOBODY)) {
    for (let j = end + 1; j <= end + 5 && j < tokens.length; j++) {
      if (HURT.has(tokens[j].word)) return true;
      if (!LIGHT_WORDS.has(tokens[j].word) && !NEGATIONS.has(tokens[j].word)) break;
    }
  }
  return tokens.some(
    (t, i) =>
      HURT.has(t.word) &&
      tokens.slice(i + 1, i + 3).some((n) => n.word === 'keiner' || n.word === 'niemand'),
  );
}

const cap = (urgency: Urgency, ceiling: Urgency): Urgency =>
  rank[urgency] > rank[ceiling] ? ceiling : urgency;

/** The options, from the older third parameter (a language) too. */
const optionsOf = (options: TriageOptions | Language | null | undefined): TriageOptions =>
  typeof options === 'string' || options === null ? { language: options } : (options ?? {});

/**
 * Tokens that must never match a keyword: the registry's names ("Blaze"), words the
 * recogniser capitalised mid-sentence (not in German, which capitalises every noun), the word
 * after a title ("Herr Brand", "el señor Fuego") and idioms ("he's on fire today").
 */
function maskedTokens(
  speech: string,
  tokens: Token[],
  lang: Language | null,
  names: string[],
): boolean[] {
  const nameWords = new Set(names.flatMap((name) => tokenize(name).map((t) => t.word)));
  const capitalised = lang && lang !== 'de' ? namesIn(speech) : new Set<string>();
  const masked = tokens.map(
    (t, i) =>
      nameWords.has(t.word) ||
      capitalised.has(t.word) ||
      (TITLES.has(tokens[i - 1]?.word ?? '') && !INDEFINITE.has(tokens[i - 2]?.word ?? '')),
  );
  // The words of a cue are grammar, not hazards: "controlled burn", "smoke machine", "va bien".
  for (const [start, end] of findPhrases(tokens, REALITY_PHRASES))
    for (let i = start; i <= end; i++) masked[i] = true;
  return masked;
}

const REALITY_PHRASES = [
  ...IDIOMS,
  ...DRILL,
  ...PLANNED,
  ...FAULTY,
  ...PAST,
  ...RECOVERED,
  ...ALL_CLEAR,
];

/**
 * The clause each cue stands in, when the cue is said and not denied before it ("not fine");
 * a negation after it is the next thing said ("alles erledigt, niemand verletzt").
 */
function cueClauses(tokens: Token[], cues: string[][], negations: Set<string>): number[] {
  return findPhrases(tokens, cues)
    .filter(([start, end]) => !negated(tokens, start, end, negations, false))
    .map(([start]) => tokens[start].clause);
}

/**
 * How real and how current the speech says its hazards are: a drill or a test makes nothing
 * real; a planned activity or a faulty sensor makes no hazard real (a person hurt is still
 * hurt); days ago, or someone fine again, settles what was said before it. A drill is when it
 * happened, not what it is, after "during" ("during the drill a man collapsed"), and a caller
 * who says it is real is believed.
 */
type Reality = {
  drill: boolean;
  planned: boolean;
  /** Clauses up to which what was said is in the past, or over (-1: none). */
  pastUpTo: number;
  recoveredUpTo: number;
  /** Everyone fine, all dealt with. */
  allClear: boolean;
};
function realityOf(tokens: Token[], lang: Language | null, negations: Set<string>): Reality {
  const real = tokens.some((t, i) => REAL.has(t.word) && !negated(tokens, i, i, negations));
  const notDuring = ([start, end]: [number, number]) =>
    ![tokens[start - 1], tokens[start - 2], tokens[start - 3]].some(
      (t) => t && DURING.has(t.word),
    ) && !negated(tokens, start, end, negations);
  const drill =
    !real &&
    (findPhrases(tokens, DRILL).some(notDuring) ||
      tokens.some(
        (t, i) => DRILL_ENDINGS.some((ending) => t.word.endsWith(ending)) && notDuring([i, i]),
      ));
  const planned = !real && findPhrases(tokens, [...PLANNED, ...FAULTY]).some(notDuring);
  // "Es brennt wieder" is still going; "heute geht's ihr wieder gut" is someone fine again.
  const fineAgain = findPhrases(tokens, RECOVERED);
  const still = tokens.some(
    (t, i) => STILL.has(t.word) && !fineAgain.some(([start, end]) => start <= i && i <= end),
  );
  const past = still
    ? []
    : cueClauses(tokens, lang ? [...PAST_BY_LANGUAGE[lang], ...OVER] : PAST, negations);
  const recovered = cueClauses(tokens, RECOVERED, negations);
  return {
    drill,
    planned,
    pastUpTo: Math.max(-1, ...past),
    recoveredUpTo: Math.max(-1, ...recovered),
    allClear: cueClauses(tokens, ALL_CLEAR, negations).length > 0,
  };
}

/**
 * Where the caller's own words already settle a procedure's key questions, as a dispatcher hears
 * them before asking: the lowest level a reassuring answer about the person allows, or null when
 * any is answered alarmingly or none is answered.
 */
function levelAnswered(procedure: Procedure, speech: string, lang: Language): Urgency | null {
  let level: Urgency | null = null;
  for (const question of procedure.questions ?? []) {
    // Only what the words say about the person: whether a fire or a leak is still going, or
    // whether it is real, is left to the question (and to the drill and test cues).
    if (question.id === 'real' || question.id === 'ongoing') continue;
    const verdict = saysAbout(question, speech, lang);
    if (verdict === 'alarming') return null;
    if (verdict === 'reassuring' && (level === null || rank[question.if_reassured] < rank[level]))
      level = question.if_reassured;
  }
  return level;
}

/**
 * Every procedure keyword in the speech, with what it may raise the call to. Negations are
 * read in the speech's language (detected when not given; all languages' when unknown).
 */
export function findMatches(
  speech: string,
  procedures: Procedure[],
  options?: TriageOptions | Language | null,
): Match[] {
  const tokens = tokenize(speech);
  if (tokens.length === 0) return [];
  const { language, names = [] } = optionsOf(options);
  const lang = language === undefined ? detectLanguage(speech) : language;
  const negations = lang ? NEGATIONS_BY_LANGUAGE[lang] : NEGATIONS;
  const english = lang === 'en';
  const library = compile(procedures);
  const reading: Reading = {
    negations,
    english,
    names: english ? namesIn(speech) : new Set(),
    masked: maskedTokens(speech, tokens, lang, names),
    found: new Map(),
    firstWords: library.firstWords,
  };
  const asked = hypotheticalReading(tokens, lang);
  // "We can't put it out" is not a fire put out.
  const resolved = findPhrases(tokens, RESOLVED).some(
    ([start, end]) => !negated(tokens, start, end, negations),
  );
  const nobodyHurt = saysNobodyHurt(tokens);
  const reality = realityOf(tokens, lang, negations);
  const answered = new Map<Procedure, Urgency | null>();
  const answeredLevel = (procedure: Procedure): Urgency | null => {
    if (!answered.has(procedure))
      answered.set(procedure, levelAnswered(procedure, speech, lang ?? 'en'));
    return answered.get(procedure)!;
  };
  const matches: Array<Match & { combined: boolean }> = [];
  for (const { procedure, keywords } of library.compiled) {
    const about = procedure.about ?? 'hazard';
    for (const k of keywords) {
      for (const hit of keywordHits(tokens, k, reading)) {
        let urgency: Urgency | null = k.place ? 'NORMAL' : procedure.urgency;
        const clause = tokens[hit.end].clause;
        const settled = clause <= reality.recoveredUpTo;
        if (hit.negated) urgency = null;
        // "Nobody is hurt": what happened did not happen to a person (a pallet fell, not a worker).
        else if (nobodyHurt && (about === 'person' || k.person)) urgency = null;
        else if (asked(hit)) urgency = 'NORMAL';
        else if (reality.drill || clause <= reality.pastUpTo) urgency = 'NORMAL';
        else if (reality.planned && about !== 'person') urgency = 'NORMAL';
        // A fire put out is reported (URGENT, to be checked), and no more once all is clear.
        else if (resolved && about !== 'person')
          urgency = cap(urgency, reality.allClear ? 'NORMAL' : 'URGENT');
        // Someone fine again ("she fainted, she's fine now") still wants looking at, not an alarm.
        else if (settled && about === 'person') urgency = cap(urgency, 'URGENT');
        // An unsure word whose key question the caller already answered reassuringly ("he fell off
        // the ladder, he's awake, his back hurts") is settled as the answer would settle it.
        if (k.unsure && urgency !== null && urgency !== 'NORMAL')
          urgency = cap(urgency, answeredLevel(procedure) ?? urgency);
        // Parts said together describe a situation more exactly than either alone ("inside the tank" + "passed out").
        const score = hit.combined ? hit.score + 0.5 : hit.score;
        matches.push({
          procedure,
          keyword: k.text,
          start: hit.start,
          end: hit.end,
          score,
          urgency,
          exact: hit.exact,
          combined: hit.combined,
          unsure: k.unsure,
        });
      }
    }
  }
  // The longest phrase wins the words it covers: "anaphylactic shock" is not an electric shock,
  // "stuck in her throat" is choking, not entrapment, "hurt his back" is not a serious injury.
  return matches.filter(
    (m) =>
      !matches.some(
        (o) =>
          o.procedure !== m.procedure &&
          !o.combined &&
          o.start <= m.start &&
          o.end >= m.end &&
          o.end - o.start > m.end - m.start,
      ),
  );
}

/**
 * The triage of one utterance: the call's urgency (the highest any live match allows) and
 * the procedures ranked. A negated match still grounds nothing; a hypothetical one grounds
 * the answer at NORMAL.
 */
export function triage(
  speech: string,
  procedures: Procedure[],
  options?: TriageOptions | Language | null,
): Triage {
  const { language, names = [] } = optionsOf(options);
  // A turn asks about the same words several times (the urgency floor, the reply, the key
  // question, the call's topic from earlier words): the answer is pure, so the latest few are kept
  // rather than tokenised and matched again.
  let memo = recent.get(procedures);
  if (!memo) recent.set(procedures, (memo = new Map<string, Triage>()));
  const key = `${language ?? ''}\u0000${names.join('\n')}\u0000${speech}`;
  const known = memo.get(key);
  if (known) {
    memo.delete(key); // most recently used last
    memo.set(key, known);
    return known;
  }
  const result = assess(speech, procedures, { language, names });
  memo.set(key, result);
  if (memo.size > RECENT_TRIAGES) memo.delete(memo.keys().next().value!);
  return result;
}

/** How many triages are kept per procedure set: a few turns' worth of words. */
const RECENT_TRIAGES = 32;
const recent = new WeakMap<Procedure[], Map<string, Triage>>();

function assess(speech: string, procedures: Procedure[], options: TriageOptions): Triage {
  const matches = findMatches(speech, procedures, options);
  const best = new Map<
    Procedure,
    { urgency: Urgency; score: number; covered: Array<[number, number]>; exact: boolean }
  >();
  // Best matches first, so a procedure's score counts each stretch of speech once
  // ("sangrando" matching both "sangra" and "sangrando" is one piece of evidence, not two).
  for (const m of [...matches].sort((a, b) => b.score - a.score)) {
    if (m.urgency === null) continue;
    const seen = best.get(m.procedure) ?? {
      urgency: 'NORMAL' as Urgency,
      score: 0,
      covered: [],
      exact: false,
    };
    const overlaps = seen.covered.some(([s, e]) => m.start <= e && m.end >= s);
    best.set(m.procedure, {
      urgency: rank[m.urgency] > rank[seen.urgency] ? m.urgency : seen.urgency,
      // Separate mentions are stronger evidence than one long one ("allergic reaction" and "epipen").
      score: seen.score + (overlaps ? 0 : m.score + (seen.covered.length > 0 ? 0.25 : 0)),
      covered: [...seen.covered, [m.start, m.end]],
      exact: seen.exact || m.exact,
    });
  }
  // At one urgency, a danger that must be made safe before anyone helps comes first ("he touched
  // the busbar and he's not moving" is electrical before CPR), when it was said as such: a
  // misspelling or a sound-alike must not put "do not touch him" before CPR. Dangers to stay
  // away from rank by the evidence, as every other procedure: "he went out for a smoke and
  // collapsed" is CPR, not a fire.
  const danger = (p: Procedure, seen: { exact: boolean }) =>
    p.danger === 'isolate' && seen.exact ? 1 : 0;
  const ranked = [...best.entries()].sort(
    ([pa, a], [pb, b]) =>
      rank[b.urgency] - rank[a.urgency] || danger(pb, b) - danger(pa, a) || b.score - a.score,
  );
  const urgency = ranked[0]?.[1].urgency ?? 'NORMAL';
  // What a procedure's urgency rests on: the live matches that reach it.
  const raising = (p: Procedure, u: Urgency) =>
    matches.filter((m) => m.procedure === p && m.urgency === u);
  const critical = ranked
    .filter(([, seen]) => seen.urgency === 'CRITICAL')
    .flatMap(([p]) => raising(p, 'CRITICAL'));
  const unsure = ranked.find(
    ([p, seen]) => seen.urgency !== 'NORMAL' && raising(p, seen.urgency).every((m) => m.unsure),
  )?.[0];
  return {
    urgency,
    procedures: ranked.map(([procedure]) => procedure),
    urgencies: new Map(ranked.map(([procedure, { urgency }]) => [procedure, urgency])),
    matches,
    provisional: urgency === 'CRITICAL' && critical.every((m) => m.unsure),
    ...(unsure ? { unsure } : {}),
  };
}
