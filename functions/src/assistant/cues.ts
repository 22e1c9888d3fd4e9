import type { Language } from '@aurora/model';
/**
 * The grammar words that change what a hazard word means, in every supported language: a
 * negation ("nobody is hurt", "no hay fuego", "es brennt nicht"), a question about what might
 * happen ("what do I do if…", "before I go into the tank tomorrow…"), a danger already over
 * ("we put it out"). These are closed word classes, not hazard vocabulary: the hazards
 * themselves are the procedures' keywords. Written plain (no accents), as tokens come out of
 * speech.ts.
 */

/**
 * Words that negate what follows them in the clause, by language: the same word can be a
 * negation in one and not in another (Portuguese "no" is "in the"). "n" is French "ne"
 * before a vowel ("n'est").
 */
export const NEGATIONS_BY_LANGUAGE: Record<Language, Set<string>> = {
  en: new Set(['no', 'not', 'never', 'nobody', 'none', 'nothing', 'without', 'nor', 'neither']),
  es: new Set([
    'no',
    'nadie',
    'ningun',
    'ninguno',
    'ninguna',
    'nada',
    'sin',
    'nunca',
    'ni',
    'tampoco',
  ]),
  de: new Set([
    'kein',
    'keine',
    'keiner',
    'keinen',
    'keinem',
    'nicht',
    'niemand',
    'ohne',
    'nie',
    'nichts',
  ]),
  fr: new Set(['ne', 'n', 'pas', 'aucun', 'aucune', 'sans', 'jamais', 'rien']),
  pt: new Set(['nao', 'ninguem', 'nenhum', 'nenhuma', 'sem', 'nem', 'nunca', 'nada']),
};
/** Every language's negations: for keywords, and for speech whose language is not known. */
export const NEGATIONS = new Set(
  Object.values(NEGATIONS_BY_LANGUAGE).flatMap((words) => [...words]),
);

/** Words that negate what came just before them: German "brennt nicht", "verletzt ist keiner". */
export const AFTER_NEGATIONS = new Set(['nicht', 'keiner', 'niemand', 'kein', 'keine', 'pas']);

/**
 * Words a negation may reach across to its hazard word: auxiliaries, articles, pronouns,
 * "any"/"yet" ("no one's hurt yet", "nobody has been injured", "no hay ningún herido").
 */
export const LIGHT_WORDS = new Set([
  'is',
  's',
  'are',
  're',
  'was',
  'were',
  'be',
  'been',
  'being',
  'got',
  'get',
  'gets',
  'has',
  'have',
  'had',
  'did',
  'does',
  'do',
  'any',
  'a',
  'an',
  'the',
  'one',
  'of',
  'on',
  'there',
  'yet',
  'been',
  'really',
  'seriously',
  'badly',
  'too',
  'at',
  'all',
  'actually',
  'sign',
  'signs',
  'smell',
  'see',
  'es',
  'esta',
  'estan',
  'ha',
  'hay',
  'hecho',
  'sido',
  'un',
  'una',
  'el',
  'la',
  'se',
  'de',
  'resulto',
  'salio',
  'ist',
  'sind',
  'wurde',
  'wurden',
  'ein',
  'eine',
  'es',
  'hat',
  'gibt',
  'da',
  'est',
  'y',
  'a',
  'il',
  'de',
  'du',
  'le',
  'l',
  'ete',
  'du',
  'foi',
  'tem',
  'ficou',
  'houve',
  'ha',
  'o',
  'um',
  'uma',
  'e',
  // Portuguese speech says "tá" for "está" ("não tá armado").
  'ta',
  'tava',
  'estava',
]);

/**
 * Phrases that, opening a clause (after fillers), make what follows a question about what
 * might happen, not a report of what is happening: "what do I do if…", "¿qué hago si…?",
 * "was mache ich, wenn…", "qu'est-ce qu'on fait si…", "o que eu faço se…".
 */
export const HYPOTHETICAL_OPENERS: string[][] = [
  // en
  'what if',
  'what do i do if',
  'what do we do if',
  'what do you do if',
  'what should i do if',
  'what should we do if',
  'what would i do if',
  'what happens if',
  'what is the procedure',
  'what s the procedure',
  'whats the procedure',
  'in case',
  'in the event',
  'suppose',
  'supposing',
  'hypothetically',
  'if someone',
  'if somebody',
  'if anyone',
  'if there is',
  'if there s',
  'if theres',
  'if i',
  'if we',
  'if a',
  'if ever',
  'how do i',
  'how do you',
  'how should',
  // es
  'que hago si',
  'que hacemos si',
  'que debo hacer si',
  'que pasa si',
  'que hago en caso',
  'en caso de',
  'si alguien',
  'si hay',
  'si alguna vez',
  // de
  'was mache ich wenn',
  'was machen wir wenn',
  'was tun wenn',
  'was passiert wenn',
  'was muss ich tun wenn',
  'falls',
  'im fall',
  'wenn jemand',
  'wenn es',
  // fr
  'que faire si',
  'qu est ce que je fais si',
  'qu est ce qu on fait si',
  'que se passe t il si',
  'en cas de',
  'si quelqu un',
  's il y a',
  'si jamais',
  // pt
  'o que eu faco se',
  'o que faco se',
  'o que fazer se',
  'o que a gente faz se',
  'e se',
  'em caso de',
  'se alguem',
  'se houver',
].map((p) => p.split(' '));

/**
 * "What" opening the speech, a verb of doing, then the language's own "if" close behind, asks
 * about what might happen however the question is worded ("what are we meant to do if…",
 * "¿qué hay que hacer si…?", "was soll man machen, falls…"). Only "what": "how many
 * compressions do I do if he's not breathing" is a question asked during the emergency. Each
 * language's own "if" only: Spanish and Portuguese "se" is "oneself", French "si" is "so".
 */
export const WHAT = new Set([
  'what',
  'que',
  'was',
  'quoi',
  // "Who do I call if…" asks whom to tell, not what is happening.
  'who',
  'quien',
  'wen',
  'wem',
  'qui',
  'quem',
]);
/** Prepositions before "whom": "a quién", "pra quem", "para quem". */
export const TO_WHOM = new Set(['a', 'pra', 'para']);
export const DOING = new Set([
  'do',
  'does',
  'should',
  'would',
  'must',
  'meant',
  'supposed',
  'hacer',
  'hago',
  'hacemos',
  'debo',
  'debemos',
  'tun',
  'machen',
  'mache',
  'soll',
  'sollen',
  'muss',
  'faire',
  'fais',
  'fait',
  'dois',
  'faut',
  'fazer',
  'faco',
  'faz',
  'devo',
  'devemos',
  'call',
  'tell',
  'ring',
  'llamar',
  'llamo',
  'aviso',
  'avisar',
  'anrufen',
  'rufe',
  'melden',
  'appeler',
  'appelle',
  'prevenir',
  'ligar',
  'ligo',
  'avisar',
]);
/**
 * A condition about him or her as they are ("what do I do if he's not breathing") is about
 * someone there, now: it does not make the call hypothetical. "What if he collapses" still
 * does. Spanish drops the pronoun ("si no respira"), German "sie" is also "they", and French
 * "il y a" is "there is".
 */
export const SOMEONE_THERE = new Set(['he', 'she', 'er', 'il', 'elle', 'ele', 'ela']);
/** What makes "he" a state now: "he's", "he is", "er ist", "er … nicht", "il est", "il ne…", "ele está", "ele não". */
export const STATE = new Set(['s', 'is', 'ist', 'nicht', 'est', 'ne', 'n', 'esta', 'ta', 'nao']);
export const CONDITIONS_BY_LANGUAGE: Record<Language, Set<string>> = {
  en: new Set(['if']),
  es: new Set(['si']),
  de: new Set(['wenn', 'falls']),
  fr: new Set(['si']),
  pt: new Set(['se']),
};
/** How far into its clause the condition may follow "what". */
export const CONDITION_REACH = 6;

/** Words that may come before an opener at the start of a clause ("so, uh, what if…", "hi, quick question: what if…"). */
export const FILLERS = new Set([
  'so',
  'um',
  'uh',
  'er',
  'hi',
  'hello',
  'hey',
  'ok',
  'okay',
  'quick',
  'question',
  'just',
  'wondering',
  'and',
  'yes',
  'hola',
  'oye',
  'bueno',
  'una',
  'pregunta',
  'hallo',
  'also',
  'eine',
  'kurze',
  'frage',
  'bonjour',
  'alors',
  'une',
  'petite',
  'ola',
  'oi',
  'entao',
  'e',
  'uma',
  'pergunta',
]);

/**
 * Planning words that make the whole utterance about the future wherever they stand
 * ("…the tank tomorrow", "nächste Woche"); a word before them can undo that ("esta mañana" is
 * this morning, "heute Morgen" too).
 */
export const PLANNING: string[][] = [
  'tomorrow',
  'next week',
  'next shift',
  'later today',
  'before i go',
  'before we go',
  'before i start',
  'before we start',
  'planning',
  'toolbox talk',
  'training session',
  'risk assessment',
  'manana',
  'la proxima semana',
  'antes de entrar',
  'antes de empezar',
  'morgen',
  'nachste woche',
  'bevor ich',
  'bevor wir',
  'demain',
  'la semaine prochaine',
  'avant d entrer',
  'avant de commencer',
  'amanha',
  'semana que vem',
  'proxima semana',
  'antes de entrar',
].map((p) => p.split(' '));
export const NOT_PLANNING_BEFORE = new Set([
  'this',
  'esta',
  'heute',
  'ce',
  'por',
  'de',
  'da',
  'pela',
  'la',
]);

/** A danger already over: a fire put out. Caps what it speaks of at URGENT (it is still reported and checked). */
export const RESOLVED: string[][] = [
  'put it out',
  'put out',
  'it is out',
  'its out',
  'fire is out',
  'it s out',
  's out now',
  'se apago',
  'esta apagado',
  'c est eteint',
  'ist geloscht',
  'ja apagou',
  'extinguished',
  'under control',
  'lo apagamos',
  'la apagamos',
  'apagado',
  'apagada',
  'controlado',
  'geloscht',
  'ausgemacht',
  'ist aus',
  'ist wieder aus',
  'eteint',
  'eteinte',
  'maitrise',
  'apagamos',
  'apagou',
  'apaguei',
  // A fire being fought with extinguishers is small enough to fight: reported, not alarmed.
  'with extinguishers',
  'two extinguishers',
  'con extintores',
  'con extintor',
  'avec les extincteurs',
  'mit feuerloschern',
  'mit dem feuerloscher',
  'com extintor',
  'com extintores',
].map((p) => p.split(' '));

/**
 * Words that say it is happening now: they cancel a hypothetical reading ("what do I do, he's
 * not breathing right now") and an explanation ("it was only small but now it's everywhere").
 */
export const NOW = new Set([
  'now',
  'help',
  'hurry',
  'ahora',
  'ayuda',
  'jetzt',
  'hilfe',
  'maintenant',
  'secours',
  'agora',
  'socorro',
]);

/** "Nobody is hurt": who (nobody), and the hurt word it denies within a few words. */
export const NOBODY = [
  ['nobody'],
  ['no', 'one'],
  ['nadie'],
  ['niemand'],
  ['keiner'],
  ['personne'],
  ['ninguem'],
  ['aucun'],
  ['no', 'hay'],
  ['sin'],
  ['keine'],
  ['pas', 'de'],
  ['sem'],
  ['no'],
];
export const HURT = new Set([
  'hurt',
  'injured',
  'injuries',
  'injury',
  'harmed',
  'herido',
  'heridos',
  'herida',
  'lesionado',
  'dano',
  'verletzt',
  'verletzte',
  'verletzten',
  'blesse',
  'blesses',
  'blessee',
  'machucou',
  'machucado',
  'ferido',
  'feridos',
  'ferida',
]);
