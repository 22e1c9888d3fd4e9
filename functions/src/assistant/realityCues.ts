import type { Language } from '@aurora/model';
/**
 * Words that say a hazard is not happening for real, now: a drill or a test, an activity
 * planned with the right people told, a faulty sensor, something that happened days ago, a
 * person who is fine again. Emergency dispatch asks "is it real?" and "is it still going on?"
 * before anything else (MPDS case entry); these are the answers a caller gives unasked. Like
 * cues.ts, closed phrase classes written plain, as tokens come out of speech.ts.
 */

const phrases = (list: string[]): string[][] => list.map((p) => p.split(' '));

/**
 * A drill, an exercise or a test: nothing in the call is real ("this is a drill", "simulacro",
 * "Übung", "exercice", "simulado", "kill switch test done"). A bare "drill" or "test" is left
 * out: "the drill caught his sleeve", "testing the circuit he got a shock" are real.
 */
export const DRILL: string[][] = phrases([
  // en
  'fire drill',
  'evacuation drill',
  'emergency drill',
  'practice drill',
  'is a drill',
  's a drill',
  'just a drill',
  'only a drill',
  'for the drill',
  'of the drill',
  'drill smoke',
  'smoke machine',
  'an exercise',
  'training exercise',
  'emergency exercise',
  'fire exercise',
  'is a test',
  's a test',
  'just a test',
  'only a test',
  'alarm test',
  'test alarm',
  'testing the alarm',
  'testing the alarms',
  'test done',
  'test complete',
  'test completed',
  'test finished',
  'weekly test',
  'monthly test',
  // es
  'simulacro',
  'simulacion',
  'maquina de humo',
  'una prueba',
  'prueba de alarma',
  'prueba de la alarma',
  'probando la alarma',
  'prueba terminada',
  // de
  'ubung',
  'ubungen',
  'uben',
  'uben wir',
  'probealarm',
  'alarmprobe',
  'alarmtest',
  'nebelmaschine',
  'ein test',
  'test beendet',
  'test abgeschlossen',
  // fr
  'exercice',
  'un exercice',
  'simulation',
  'machine a fumee',
  'un test',
  'test d alarme',
  'essai d alarme',
  'essai de l alarme',
  'test termine',
  // pt
  'simulado',
  'simulacao',
  'maquina de fumaca',
  'treinamento',
  'treinando',
  'um teste',
  'teste de alarme',
  'teste do alarme',
  'teste concluido',
]);
/** Compounds that end in a drill word: "Brandschutzübung", "Evakuierungsübung", "Feueralarmprobe". */
export const DRILL_ENDINGS = ['ubung', 'alarmprobe', 'alarmtest'];

/** Planned, with the right people told: "scheduled quarry blast", "quema controlada", "brûlage dirigé". */
export const PLANNED: string[][] = phrases([
  'scheduled',
  'planned',
  'controlled burn',
  'prescribed burn',
  'controlled blast',
  'quema controlada',
  'quema programada',
  'programada',
  'programado',
  'prevista',
  'previsto',
  'voladura programada',
  'geplant',
  'geplante',
  'geplanter',
  'kontrollierte',
  'kontrolliertes',
  'angekundigt',
  'angekundigte',
  'prevu',
  'prevue',
  'programme',
  'programmee',
  'brulage dirige',
  'brulage controle',
  'queima controlada',
  'queima programada',
  'planejada',
  'planejado',
  'agendada',
  'agendado',
]);

/** A sensor, not a hazard: "faulty sensor", "the engineer measured zero", "Fehlalarm". */
export const FAULTY: string[][] = phrases([
  'false alarm',
  'faulty sensor',
  'faulty detector',
  'faulty alarm',
  'sensor was faulty',
  'sensor is faulty',
  'detector was faulty',
  'sensor fault',
  'measured zero',
  'reads zero',
  'reading zero',
  'falsa alarma',
  'sensor defectuoso',
  'detector defectuoso',
  'midio cero',
  'fehlalarm',
  'sensor defekt',
  'sensor war defekt',
  'melder defekt',
  'null gemessen',
  'fausse alerte',
  'fausse alarme',
  'capteur defectueux',
  'detecteur defectueux',
  'mesure zero',
  'alarme falso',
  'falso alarme',
  'sensor com defeito',
  'sensor defeituoso',
  'mediu zero',
]);

/**
 * Days ago, by language (French "hier" is yesterday, German "hier" is here): what happened
 * then is reported, not alarmed ("he fainted yesterday", "letzte Woche", "ontem").
 */
export const PAST_BY_LANGUAGE: Record<Language, string[][]> = {
  en: phrases([
    'yesterday',
    'last week',
    'last month',
    'last year',
    'the other day',
    'days ago',
    'weeks ago',
    'months ago',
  ]),
  es: phrases([
    'ayer',
    'anteayer',
    'la semana pasada',
    'el mes pasado',
    'el otro dia',
    'hace unos dias',
    'hace dias',
  ]),
  de: phrases([
    'gestern',
    'vorgestern',
    'letzte woche',
    'letzter woche',
    'letzten woche',
    'vorige woche',
    'letzten monat',
    'letztes jahr',
    'neulich',
    'nachmelden',
  ]),
  fr: phrases([
    'hier',
    'avant hier',
    'la semaine derniere',
    'le mois dernier',
    'l autre jour',
    'il y a quelques jours',
  ]),
  pt: phrases(['ontem', 'anteontem', 'semana passada', 'mes passado', 'outro dia', 'dias atras']),
};
/**
 * Over and done, in any language: the person went home or back to work, the caller is only
 * logging it ("just logging it", "dejarlo reportado", "nur zur Info", "so pra registrar").
 */
export const OVER: string[][] = phrases([
  'went home',
  'gone home',
  'back at work',
  'back to work',
  'just logging it',
  'for the record',
  'se fue a casa',
  'volvio a trabajar',
  'dejarlo reportado',
  'para que conste',
  'arbeitet wieder',
  'nur zur info',
  'est rentree',
  'pour info',
  'foi pra casa',
  'foi para casa',
  'voltou a trabalhar',
  'voltou ao trabalho',
  'so pra registrar',
  'so para registrar',
]);
export const PAST: string[][] = [...Object.values(PAST_BY_LANGUAGE).flat(), ...OVER];

/** Words that bring a past event into the present ("he fainted yesterday and again now"). */
export const STILL = new Set([
  'still',
  'again',
  'todavia',
  'sigue',
  'otra',
  'wieder',
  'immer',
  'noch',
  'toujours',
  'encore',
  'ainda',
  'novo',
]);

/**
 * A person fine again, or it all dealt with: what came before in the call is no longer an
 * emergency ("she collapsed, she's fine now", "geht ihm aber gut", "il va bien", "ja ta bem").
 */
export const RECOVERED: string[][] = phrases([
  'fine now',
  'is fine',
  's fine',
  'are fine',
  'he s ok',
  'she s ok',
  'is ok now',
  'ok now',
  'okay now',
  'doing fine',
  'up and walking',
  'back on his feet',
  'back on her feet',
  'healing fine',
  'ya esta bien',
  'esta bien',
  'ya se recupero',
  'geht ihm gut',
  'geht ihr gut',
  'geht es ihm gut',
  'geht ihm aber gut',
  'geht ihr aber gut',
  'wieder gut',
  'wieder fit',
  'alles gut',
  'va bien',
  'va tres bien',
  'va mieux',
  'rentree chez',
  'rentre chez',
  'ta bem',
  'esta bem',
  'ja ta bem',
]);

/** Everyone fine, all dealt with: a fire put out is then a report, not even a check ("alles erledigt"). */
export const ALL_CLEAR: string[][] = phrases([
  'everyone s fine',
  'everyones fine',
  'everybody s fine',
  'all dealt with',
  'all sorted',
  'todo resuelto',
  'todos estan bien',
  'alles erledigt',
  'alle sind ok',
  'tout est regle',
  'tout le monde va bien',
  'tudo resolvido',
  'todo mundo bem',
]);

/** "Real" said of the call: a drill word then is about something else ("this is real, not a drill"). */
export const REAL = new Set(['real', 'echt', 'wirklich', 'verdad', 'verdade', 'vrai', 'vraiment']);
/** "During the drill a man collapsed": a drill is when it happened, not what it is. */
export const DURING = new Set(['during', 'durante', 'wahrend', 'pendant', 'bei', 'nach', 'after']);

/**
 * Titles before a name: the next word is a person ("Herr Brand", "el señor Fuego", "Monsieur
 * Feu"), never a hazard.
 */
export const TITLES = new Set([
  'mr',
  'mrs',
  'ms',
  'mister',
  'senor',
  'senora',
  'don',
  'dona',
  'herr',
  'herrn',
  'frau',
  'monsieur',
  'madame',
  'mme',
  'senhor',
  'senhora',
]);

/** Idioms that only sound like hazards: "Blaze is on fire today" is working well. */
export const IDIOMS: string[][] = phrases([
  'on fire today',
  'on fire tonight',
  'on fire this morning',
  'on fire this week',
  'on fire lately',
  'killing it',
  'smashing it',
]);
