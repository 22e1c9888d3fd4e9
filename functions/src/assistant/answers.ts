/**
 * How a caller's answer to Aurora's key question is read, in the five languages, as speech
 * recognition hands it over ("yeah yeah he's breathing", "sí sí", "nee"). A dispatcher hears two
 * things in an answer: the plain yes or no, and what the caller says about the person or the
 * place ("she's sitting up and talking", "he's gurgling"). Safety first: an alarming sign anywhere
 * in the answer outweighs every reassuring one ("yes he's awake but he can't breathe"), and when
 * the words do not clearly say either, the answer is unclear and urgency stays where it is.
 * Pure: no I/O; the lexicons are the readable tables below.
 */
import type { KeyQuestion, Language, QuestionId } from '@aurora/model';
import { plainText } from './speech';

/** What an answer means for the question asked. */
export type AnswerVerdict = 'reassuring' | 'alarming' | 'unclear';

/** The question in the caller's language, or in English when it has no translation. */
export function questionIn(question: KeyQuestion, language: Language): string {
  return question.translations?.[language] ?? question.ask;
}

/** Aurora's acknowledgement of an answer, before the next step. */
export const ACKNOWLEDGED: Record<Language, string> = {
  en: 'Understood.',
  es: 'Entendido.',
  de: 'Verstanden.',
  fr: 'Compris.',
  pt: 'Entendido.',
};

/** What the offline responder says when it has no question left to ask (formal address). */
export const STAY_ON_THE_LINE: Record<Language, string> = {
  en: 'Stay on the line and tell me if anything changes.',
  es: 'Manténgase en la línea y dígame si algo cambia.',
  de: 'Bleiben Sie am Apparat und sagen Sie mir, wenn sich etwas ändert.',
  fr: 'Restez en ligne et dites-moi si quelque chose change.',
  pt: 'Fique na linha e me avise se algo mudar.',
};

// ---- Patterns ----
//
// Every table below is written in plain words as speech.ts's tokens come out: lower case, no
// accents ("está" → "esta", "Übung" → "ubung"), English contractions opened ("can't" → "can not",
// "he's" → "he s"). In a pattern, words are separated by spaces; "a|b" is a choice; "word*"
// matches any word it begins ("breath*": breathe, breathing); ".." lets up to two words sit
// between ("breath* .. normal*": "breathing quite normally").

// ---- Plain yes and no ----

type Answers = { yes: string[]; no: string[]; notAnAnswer: string[] };

/** English yes-words are understood in every language: recognisers and callers mix them in. */
const ENGLISH_YES = [
  'yes',
  'yeah',
  'yep',
  'yup',
  'yea',
  'aye',
  'uh huh',
  'mhm',
  'mhmm',
  'mm hmm',
  'mmhmm',
  'affirmative',
  'correct',
];
/** English no-words other than "no" (Portuguese "no" is "in the"). */
const ENGLISH_NO = ['nope', 'nah', 'naw', 'negative'];

/**
 * The plain answers by language. `notAnAnswer` holds phrases that contain an answer word but
 * answer nothing: "no one", "no sé" (I don't know), "não sei".
 */
const PLAIN_ANSWERS: Record<Language, Answers> = {
  en: {
    yes: ENGLISH_YES,
    no: ['no', ...ENGLISH_NO],
    notAnAnswer: ['no one', 'no longer', 'no more', 'no idea', 'no way', 'yes or no'],
  },
  es: {
    yes: [...ENGLISH_YES, 'si', 'sip', 'claro', 'por supuesto', 'afirmativo', 'asi es', 'eso es'],
    no: ['no', ...ENGLISH_NO, 'nop', 'para nada', 'que va'],
    notAnAnswer: [
      'no se',
      'no lo se',
      'no sabemos',
      'no estoy segur*',
      'no tengo idea',
      'si o no',
      // A reason given, not an answer: "no desayunó", "no ha comido".
      'no desayuno|comio|almorzo|ceno',
      'no ha comido|desayunado',
      'no es real',
    ],
  },
  de: {
    yes: [...ENGLISH_YES, 'ja', 'jo', 'jap', 'jup', 'jawohl', 'genau'],
    // "nö" arrives as "no".
    no: ['nein', 'nee', 'no', 'noe', ...ENGLISH_NO, 'auf keinen fall'],
    notAnAnswer: ['no one', 'ja oder nein'],
  },
  fr: {
    yes: [...ENGLISH_YES, 'oui', 'ouais', 'ouai', 'ouep', 'si', 'bien sur', 'tout a fait'],
    no: ['non', 'nan', 'no', ...ENGLISH_NO, 'pas du tout', 'absolument pas'],
    notAnAnswer: ['no one', 'oui ou non'],
  },
  pt: {
    yes: [...ENGLISH_YES, 'sim', 'uhum', 'aham', 'isso mesmo', 'isso ai', 'exato', 'claro'],
    no: ['nao', ...ENGLISH_NO, 'de jeito nenhum', 'nada disso'],
    notAnAnswer: [
      'nao sei',
      'nao sabemos',
      'nao tenho certeza',
      'nao tenho ideia',
      'sim ou nao',
      'nao comeu|almocou',
      'nao tinha comido',
      'nao e de verdade|real|a serio',
    ],
  },
};

// ---- What a fuller answer says ----

/**
 * What answers a key question, in one language: words that settle it ("awake", "everyone's
 * out", "it's the drill"); words that alarm only in answer to it ("still" about a fire, "weird"
 * about breathing); and signs of danger on its subject that alarm in the answer to any question
 * ("gasping", "unconscious", "stuck", "bleeding heavily"). A settling word said negated alarms
 * ("he's not awake", "it's not a drill"); a danger sign said negated does not ("he is not gasping").
 */
type Lexicon = { reassuring: string[]; alarming: string[]; danger: string[] };

const LEXICONS: Record<QuestionId, Record<Language, Lexicon>> = {
  awake: {
    en: {
      reassuring: [
        'stood|got up too fast',
        'got|get back up',
        'got up',
        'has not|had not|did not|didnt|hasnt|hadnt eaten|eat',
        'skipped breakfast|lunch',
        'low sugar|blood sugar',
        'awake',
        'conscious',
        'talk*',
        'speaking',
        'answer*',
        'respond*',
        'opened .. eyes',
        'eyes .. open',
        'sitting',
        'sat up',
        'standing',
        'came|come|coming round|to',
        'woke|wake|waking up',
        'making sense',
        'alert',
        'is|s|seems|looks .. fine|ok|okay|alright|better',
        // Rinsing their own eye, or being rinsed: first aid under way on someone awake.
        'rinsing',
        'flushing',
      ],
      alarming: ['confused', 'nonsense', 'drowsy', 'slurr*', 'groggy', 'in and out'],
      danger: [
        'unconscious',
        'unresponsive',
        'passed out',
        'out cold',
        'knocked out',
        'no response',
        'not moving',
        'eyes .. rolling|rolled',
        'rolling .. eyes',
        'limp',
        'lifeless',
        'fitting',
        'seizing',
        'convuls*',
      ],
    },
    es: {
      reassuring: [
        'se levanto',
        'se paro solo|solito',
        'no desayuno|comio|almorzo|ceno',
        // The reason and the state together, so the reason's "no" does not reach "está bien".
        'no desayuno|comio|almorzo|ceno esta bien',
        'no ha comido|desayunado',
        'sin comer',
        'le bajo el azucar',
        'despiert*',
        'consciente',
        'habla*',
        'responde',
        'contesta',
        'reacciona',
        'abrio los ojos',
        'ojos abiertos',
        'sentad*',
        'se desperto',
        'esta bien',
        'lo estamos lavando',
        'estamos lavando',
        'enjuagando',
      ],
      alarming: ['confundid*', 'no tiene sentido', 'adormilad*', 'arrastra las palabras'],
      danger: ['inconsciente', 'desmay*', 'ojos en blanco', 'convulsion*'],
    },
    de: {
      reassuring: [
        'aufgestanden',
        'steht wieder',
        'nix|nichts gegessen',
        'unterzuckert|unterzucker',
        'wach',
        'bei bewusstsein',
        'ansprechbar',
        'redet',
        'spricht',
        'antwortet',
        'reagiert',
        'augen .. auf|offen|geoffnet',
        'sitzt',
        'aufgewacht',
        'wacht .. auf',
        'zu sich gekommen',
        'geht es gut',
        'ist okay',
        'spulen',
        'spule',
      ],
      alarming: ['verwirrt', 'lallt', 'benommen', 'wirres zeug'],
      danger: ['bewusstlos', 'ohnmachtig', 'augen verdreht', 'verdreht .. augen', 'krampf*'],
    },
    fr: {
      reassuring: [
        's est releve|relevee',
        'releve|relevee',
        'pas mange|dejeune',
        'rien mange',
        'sans manger',
        'hypoglycemie',
        'reveill*',
        'conscient*',
        'parle',
        'repond',
        'reagit',
        'ouvert les yeux',
        'yeux ouverts',
        'assis*',
        'revenu|revenue a lui|elle',
        'va bien',
        'on rince',
        'rince',
      ],
      alarming: ['confus*', 'incoherent*', 'somnolent*', 'a moitie'],
      danger: ['inconscient*', 'evanoui*', 'yeux revulses', 'convuls*'],
    },
    pt: {
      reassuring: [
        'levantou',
        'se levantou',
        'nao comeu|almocou',
        'sem comer',
        'nao tinha comido',
        'hipoglicemia',
        'acord*',
        'consciente',
        'falando',
        'fala',
        'responde*',
        'reagindo',
        'abriu os olhos',
        'olhos abertos',
        'sentad*',
        'esta bem',
        'lavando',
        'estamos a lavar',
      ],
      alarming: ['confus*', 'sem sentido', 'sonolent*', 'enrolada|enrolando'],
      danger: ['inconsciente', 'desmai*', 'olhos revirados', 'convuls*'],
    },
  },
  breathing: {
    en: {
      reassuring: ['breath* .. normal*|fine|ok|okay|well|good|properly|alright', 'normal*', 'fine'],
      alarming: [
        'weird*',
        'strange*',
        'odd*',
        'funny',
        'breath* .. fast|quick',
        'fast|quick breath*',
        'slow*',
        'shallow',
        'heav*',
        'noisy',
      ],
      danger: [
        'not breath*',
        'no breath*',
        'stopped breath*',
        'can not breathe',
        'can not get .. breath',
        'struggl* .. breath*',
        'trouble breathing',
        'difficulty breathing',
        'short of breath',
        'barely',
        'hardly breath*',
        'gasp*',
        'gurgl*',
        'wheez*',
        'snor*',
        'rattl*',
        'chok*',
        'blue',
        'grey',
        'gray',
        'purple',
        'funny colour|color',
        'no pulse',
      ],
    },
    es: {
      reassuring: ['respira .. normal*|bien', 'normal*'],
      alarming: ['raro', 'rara', 'extran*', 'rapido', 'lento', 'ruido*'],
      danger: [
        'no respira',
        'no puede respirar',
        'apenas respira',
        'le cuesta respirar',
        'ahog*',
        'jadea*',
        'boquea*',
        'ronca',
        'morad*',
        'azul',
        'gris',
        'sin pulso',
      ],
    },
    de: {
      reassuring: ['atmet .. normal|gut|ruhig|regelmassig', 'normal'],
      alarming: ['komisch', 'seltsam', 'merkwurdig', 'schnell', 'flach', 'schwer', 'laut'],
      danger: [
        'atmet nicht',
        'atmet kaum',
        'keine luft',
        'schnappt nach luft',
        'rochelt',
        'keucht',
        'pfeift',
        'schnarcht',
        'blau',
        'grau',
        'atemnot',
        'kein puls',
      ],
    },
    fr: {
      reassuring: ['respire .. normalement|bien', 'normalement'],
      alarming: ['bizarre*', 'etrange*', 'vite', 'lentement', 'difficilement', 'bruyamment'],
      danger: [
        'respire pas',
        'respire plus',
        'respire a peine',
        'du mal a respirer',
        'peut pas respirer',
        'suffoque',
        'etouffe',
        'halete',
        'gargouill*',
        'siffl*',
        'ronfle',
        'bleu*',
        'gris',
        'violet*',
        'pas de pouls',
      ],
    },
    pt: {
      reassuring: ['respir* .. normal*|bem', 'normal*'],
      alarming: ['estranh*', 'esquisit*', 'rapido', 'devagar', 'pesad*', 'barulh*'],
      danger: [
        'nao .. respir*',
        'mal respira',
        'dificuldade .. respirar',
        'falta de ar',
        'sufoc*',
        'engasg*',
        'ofegante',
        'chiado',
        'chiando',
        'ronc*',
        'roxo',
        'roxa',
        'azul',
        'cinza',
        'sem pulso',
      ],
    },
  },
  trapped: {
    en: {
      reassuring: [
        'nobody',
        'no one',
        'everyone|everybody|all .. out',
        'got .. out',
        'all clear',
        'empty',
        'accounted for',
        'free|freed',
      ],
      alarming: ['inside', 'in there', 'still in'],
      danger: ['trapped', 'stuck', 'pinned', 'crushed', 'buried', 'can not get .. out'],
    },
    es: {
      reassuring: [
        'nadie',
        'todos .. fuera|afuera|salieron|salimos',
        'lo|la|los sacamos',
        'ya salio',
        'liberad*',
      ],
      alarming: ['dentro', 'adentro', 'sigue ahi'],
      danger: ['atrapad*', 'aplastad*', 'enterrad*', 'sepultad*', 'no puede salir'],
    },
    de: {
      reassuring: ['niemand', 'keiner', 'alle .. raus|draussen', 'rausgeholt', 'befreit', 'frei'],
      alarming: ['drin', 'drinnen', 'noch da'],
      danger: ['eingeklemmt', 'eingeschlossen', 'verschuttet', 'steckt fest', 'kommt nicht raus'],
    },
    fr: {
      reassuring: [
        'personne n|ne',
        'y a personne',
        'tout le monde .. sorti*|dehors',
        'tous .. sortis|dehors',
        'degage*',
        'libere*',
        'sorti*',
      ],
      alarming: ['dedans', 'interieur', 'encore la'],
      danger: ['coince*', 'ecrase*', 'enseveli*', 'peut pas sortir'],
    },
    pt: {
      reassuring: [
        'ninguem',
        'todos .. sairam|fora',
        'tiramos|tiraram',
        'saiu',
        'solt*',
        'liberad*',
      ],
      alarming: ['dentro', 'la dentro'],
      danger: ['preso', 'presa', 'presos', 'esmagad*', 'soterrad*', 'nao consegue sair'],
    },
  },
  hurt: {
    en: {
      reassuring: [
        'nobody',
        'no one',
        'everyone|everybody|all|we|i .. fine|ok|okay|alright|safe',
        'unhurt',
        'uninjured',
      ],
      alarming: [
        'bleed*',
        'blood',
        'unwell',
        'sick',
        'dizzy',
        'vomit*',
        'threw|throwing up',
        'burnt',
        'burned',
        'burns',
        'danger',
      ],
      danger: [
        'hurt',
        'injur*',
        'broken',
        'bleeding heavily|badly|lots',
        'bleeding a lot',
        'lots of blood',
        'blood everywhere',
        'spurting',
      ],
    },
    es: {
      reassuring: ['nadie', 'todos .. bien', 'estamos bien', 'estoy bien', 'ileso*'],
      alarming: ['sangr*', 'mare*', 'se encuentra|siente mal', 'vomit*', 'quemad*', 'peligro'],
      danger: [
        'herid*',
        'lesionad*',
        'se hizo dano',
        'roto',
        'rota',
        'fractura',
        'sangra mucho',
        'mucha sangre',
      ],
    },
    de: {
      reassuring: [
        'niemand',
        'keiner',
        'alle .. ok|gut|wohlauf|ordnung',
        'geht es gut',
        'unverletzt',
      ],
      alarming: ['blut*', 'schwindel*', 'ubel', 'unwohl', 'erbricht', 'verbrannt', 'gefahr'],
      danger: ['verletzt', 'gebrochen', 'blutet stark', 'viel blut'],
    },
    fr: {
      reassuring: [
        'personne n|ne',
        'y a personne',
        'tout le monde va bien',
        'va bien',
        'vais bien',
        'indemne*',
      ],
      alarming: ['saign*', 'se sent mal', 'malaise', 'vertige*', 'vomi*', 'danger'],
      danger: ['blesse*', 'casse', 'fracture', 'saigne beaucoup', 'beaucoup de sang'],
    },
    pt: {
      reassuring: [
        'ninguem',
        'todo mundo .. bem',
        'todos .. bem',
        'estou bem',
        'estamos bem',
        'ileso*',
      ],
      alarming: ['sangr*', 'passando mal', 'tont*', 'vomit*', 'queimad*', 'perigo'],
      danger: [
        'ferid*',
        'machucad*',
        'se machucou',
        'quebrou',
        'quebrad*',
        'sangrando muito',
        'muito sangue',
      ],
    },
  },
  real: {
    en: {
      reassuring: [
        'drill',
        'test*',
        'exercise',
        'practice',
        'training',
        'false alarm',
        'smoke machine',
        'fake',
        'faulty',
        'false reading',
        'planned',
        'scheduled',
        'mock',
        'dummy',
        'reads|reading|says|shows zero',
        'sensor|detector|alarm|thing .. acting up|faulty|busted|broken|playing up',
        'burnt|burning|burned toast',
        'cooking smoke',
        'never mind',
        'nevermind',
      ],
      alarming: ['real', 'genuine', 'actual'],
      danger: [],
    },
    es: {
      reassuring: [
        'simulacro',
        'prueba',
        'ejercicio',
        'practica',
        'entrenamiento',
        'falsa alarma',
        'maquina de humo',
        'de mentira',
        'programad*',
        'muneco',
        'marca cero',
        'marca 0',
        'sensor|detector|alarma .. falla|fallando|descompuesto|defectuoso',
        'se quemo la tortilla|comida',
        'capacitacion',
      ],
      alarming: ['real', 'de verdad', 'en serio', 'de veras'],
      danger: [],
    },
    de: {
      reassuring: [
        'ubung',
        'probealarm',
        'test*',
        'training',
        'fehlalarm',
        'blinder alarm',
        'nebelmaschine',
        'geplant',
        'nebel von der ubung',
        'zeigt null',
        'null ppm',
        'sensor|melder|gaswarner .. spinnt|defekt|kaputt',
        'unterweisung',
        'schulung',
        'puppe',
      ],
      alarming: ['echt', 'ernstfall', 'im ernst', 'real'],
      danger: [],
    },
    fr: {
      reassuring: [
        'exercice',
        'test',
        'essai',
        'simulation',
        'fausse alerte|alarme',
        'machine a fumee',
        'prevu*',
        'mannequin',
        'pratique',
        'affiche zero',
        'capteur|detecteur .. defectueux|brise|bris',
        'brulage',
        'formation',
      ],
      alarming: ['vrai', 'pour de vrai', 'reel*', 'pour de bon'],
      danger: [],
    },
    pt: {
      reassuring: [
        'simulado',
        'simulacao',
        'teste',
        'treinamento',
        'exercicio',
        'alarme falso',
        'falso alarme',
        'maquina de fumaca',
        'programad*',
        'agendad*',
        'treino',
        'boneco',
        'deu zero',
        'marca zero',
        'sensor|detector .. defeito|defeituoso|quebrado',
        'pao que queimou',
        'torradeira',
      ],
      alarming: ['real', 'de verdade', 'serio'],
      danger: [],
    },
  },
  ongoing: {
    en: {
      reassuring: [
        'paper cut',
        'band aid|bandaid|plaster',
        'just a scratch|nick|graze',
        'it|is|its|s|went|gone|burnt|burned out',
        'is|s|its .. out',
        'put .. out',
        'stopped',
        'stopped bleeding',
        'bleeding .. stopped',
        'is|s over',
        'finished',
        'under control',
        'extinguished',
        'turned|shut|switched off',
        'is|s off',
        'gone',
        'left',
        'ran off|away',
        'took off',
        'no more',
        'found',
        'turned|showed up',
        'called back',
        'safe',
      ],
      alarming: [
        'still',
        'out of control',
        'spreading',
        'worse',
        'bigger',
        'growing',
        'burning',
        'flames',
        'leaking',
        'hissing',
        'shaking',
        'jerking',
        'bleed*',
        'pouring',
        'missing',
        'can not find|reach',
      ],
      danger: ['on fire'],
    },
    es: {
      reassuring: [
        'curita',
        'rasguno',
        'cortadita',
        'apag*',
        'ya no',
        'termin*',
        'se acabo',
        'paro',
        'ha parado',
        'dejo de',
        'dejo de sangrar',
        'controlad*',
        'bajo control',
        'se fue|fueron',
        'se ha ido',
        'huyo',
        'cerrad*',
        'encontr*',
        'aparecio',
      ],
      alarming: [
        'sigue*',
        'fuera de control',
        'todavia',
        'aun',
        'extiend*',
        'propag*',
        'peor',
        'arde',
        'ardiendo',
        'quemando',
        'llamas',
        'saliendo',
        'sangr*',
        'temblando',
        'desaparecid*',
      ],
      danger: ['en llamas'],
    },
    de: {
      reassuring: [
        'pflaster',
        'kratzer',
        'ist|schon|jetzt|wieder aus',
        'geloscht',
        'vorbei',
        'aufgehort',
        'unter kontrolle',
        'abgedreht',
        'zugedreht',
        'abgestellt',
        'weg',
        'abgehauen',
        'geflohen',
        'gefunden',
        'hat sich gemeldet',
        'kein|keine .. mehr',
      ],
      alarming: [
        'noch',
        'ausser kontrolle',
        'breitet sich aus',
        'schlimmer',
        'grosser',
        'brennt',
        'flammen',
        'zischt',
        'blutet',
        'zuckt',
        'vermisst',
      ],
      danger: [],
    },
    fr: {
      reassuring: [
        'pansement',
        'egratignure',
        'eteint*',
        'arrete*',
        'fini',
        'termine*',
        'maitris*',
        'sous controle',
        'ferme',
        'parti*',
        'enfui*',
        'retrouve*',
        'a rappele',
        'n y a plus',
        'plus de feu|fumee|flammes|gaz',
      ],
      alarming: [
        'encore',
        'hors de controle',
        'toujours',
        'propag*',
        'pire',
        'brule',
        'brulent',
        'flammes',
        'fuit',
        'saign*',
        'tremble',
        'introuvable',
      ],
      danger: ['en feu'],
    },
    pt: {
      reassuring: [
        'curativo',
        'arranhao',
        'band aid',
        'apag*',
        'parou',
        'parou de sangrar',
        'acabou',
        'terminou',
        'sob controle',
        'controlad*',
        'fechad*',
        'foi embora',
        'fugiu',
        'encontr*',
        'apareceu',
        'ligou',
        'nao tem mais',
      ],
      alarming: [
        'ainda',
        'fora de controle',
        'continua',
        'espalh*',
        'pior',
        'queimando',
        'chamas',
        'vazando',
        'sangr*',
        'tremendo',
        'desaparecid*',
      ],
      danger: ['pegando fogo', 'em chamas'],
    },
  },
};

/**
 * Questions asked together: "Is the person awake and breathing normally?" (id awake) is answered
 * about breathing too; "Is anyone trapped or hurt?" (id trapped) about injuries.
 */
const ALSO_ANSWERS: Record<QuestionId, QuestionId[]> = {
  awake: ['breathing'],
  breathing: [],
  trapped: ['hurt'],
  hurt: ['trapped'],
  real: [],
  ongoing: [],
};

/**
 * Where a negated alarm answers the question: "he's not trapped", "it's not burning any more",
 * "it's not real". A state of the body is not settled that way: "he is not gasping" does not say
 * he is breathing normally.
 */
const NEGATED_ALARM_REASSURES: Record<QuestionId, boolean> = {
  awake: false,
  breathing: false,
  trapped: true,
  hurt: true,
  real: true,
  ongoing: true,
};

/**
 * Settling words of these questions alarm in the answer to any question when negated: "he's not
 * awake", "not breathing normally", "it's not a drill" are never good news.
 */
const NEGATION_ALARMS_ANYWHERE: QuestionId[] = ['awake', 'breathing', 'real'];

// ---- Negation ----

/**
 * Words that negate what follows them in the clause, by language. English "no" negates only the
 * word right after it ("no bleeding"): before anything else it is the answer ("no everyone's out").
 * Portuguese "no" is "in the"; French "personne" is "nobody" only without an article.
 */
const NEGATORS: Record<Language, Set<string>> = {
  en: new Set(['not', 'never', 'nobody', 'none', 'nothing', 'neither', 'nor', 'without']),
  es: new Set(['no', 'nadie', 'nunca', 'ni', 'sin', 'tampoco', 'ningun', 'ninguno', 'ninguna']),
  de: new Set(['nicht', 'kein', 'keine', 'keiner', 'keinen', 'keinem', 'niemand', 'nie', 'ohne']),
  fr: new Set(['ne', 'n', 'pas', 'aucun', 'aucune', 'sans', 'jamais', 'personne']),
  pt: new Set(['nao', 'ninguem', 'nenhum', 'nenhuma', 'sem', 'nunca', 'nem']),
};
/** Words that negate what came just before them: "atmet nicht", "il respire pas". */
const AFTER_NEGATORS: Partial<Record<Language, Set<string>>> = {
  de: new Set(['nicht', 'kein', 'keine', 'keiner', 'niemand', 'nie', 'nimmer']),
  fr: new Set(['pas', 'jamais']),
};
/** Verbs after "keiner"/"niemand" that make it the subject of what follows, not a negation of what came before. */
const SUBJECT_VERBS = new Set(['hat', 'hats', 'ist', 'war', 'wurde', 'fuhlt', 'geht', 'gehts']);
/**
 * Words a Spanish or Portuguese answer "no"/"não" runs into when the recogniser leaves out the
 * comma ("não já apagou", "no él está bien"): a verb after it would make it a negation instead.
 */
const ANSWER_FOLLOWERS = new Set([
  'el',
  'ella',
  'ellos',
  'ele',
  'ela',
  'eles',
  'elas',
  'la',
  'los',
  'las',
  'o',
  'a',
  'os',
  'as',
  'todo',
  'todos',
  'toda',
  'todas',
  'tudo',
  'ya',
  'ja',
  'solo',
  'so',
  'yo',
  'eu',
  'nos',
  'nosotros',
  'gente',
  'nadie',
  'ninguem',
]);
const FRENCH_ARTICLES = new Set(['la', 'une', 'cette', 'les', 'des', 'chaque', 'toute']);
/** How far back a negation reaches: "nobody here is trapped", "no one's in there". */
const NEGATION_REACH = 3;
const AFTER_NEGATION_REACH = 2;

// ---- Words ----

/** A word of the answer, and the clause it sits in. */
type Token = { word: string; clause: number };

/**
 * Words that start a new clause, by language, so a negation does not reach past them ("he's awake
 * but not breathing"). Portuguese "mais" is "more" ("não está mais queimando"), not French "but".
 */
const CLAUSE_WORDS: Record<Language, Set<string>> = {
  en: new Set(['but', 'although', 'though', 'however']),
  es: new Set(['pero', 'sino', 'aunque']),
  de: new Set(['aber', 'sondern', 'obwohl']),
  fr: new Set(['mais', 'pourtant']),
  pt: new Set(['mas', 'porem', 'embora']),
};

/** The words of `utterance` as the tables are written (speech.ts's plain text), each with its clause. */
function tokensOf(utterance: string, language: Language): Token[] {
  const tokens: Token[] = [];
  let clause = 0;
  for (const piece of plainText(utterance).split(/([.,;:!?]+)|[^a-z0-9]+/)) {
    if (!piece) continue;
    if (
      /^[.,;:!?]+$/.test(piece) ||
      CLAUSE_WORDS[language].has(piece) ||
      CLAUSE_WORDS.en.has(piece)
    )
      clause++;
    else tokens.push({ word: piece, clause });
  }
  return tokens;
}

// ---- Matching ----

type Word = { text: string; prefix: boolean };
type Slot = { gap: true } | { gap: false; words: Word[] };
/** A compiled pattern; `negative` when it says its own negation ("not breathing", "nadie"). */
type Pattern = { slots: Slot[]; negative: boolean };
const MAX_GAP = 2;

/** Words that make a pattern negative in itself, so no negation before it turns it round again. */
const NEGATIVE_WORDS = new Set([
  'no',
  'nobody',
  'plus',
  ...Object.values(NEGATORS).flatMap((words) => [...words]),
  ...Object.values(AFTER_NEGATORS).flatMap((words) => [...words]),
]);

function compile(text: string): Pattern {
  const slots: Slot[] = text.split(' ').map((part) =>
    part === '..'
      ? { gap: true }
      : {
          gap: false,
          words: part
            .split('|')
            .map((w) => ({ text: w.replace(/\*$/, ''), prefix: w.endsWith('*') })),
        },
  );
  const negative = slots.some((s) => !s.gap && s.words.some((w) => NEGATIVE_WORDS.has(w.text)));
  return { slots, negative };
}

const fits = (word: Word, token: string) =>
  word.prefix ? token.startsWith(word.text) : token === word.text;

/** Where the pattern's slots from `slot` on, matched from token `at` within one clause, end; -1 if they do not. */
function matchAt(slots: Slot[], tokens: Token[], at: number, slot: number, clause: number): number {
  if (slot === slots.length) return at;
  const current = slots[slot];
  if (current.gap) {
    for (let gap = 0; gap <= MAX_GAP; gap++) {
      if (gap > 0 && tokens[at + gap - 1]?.clause !== clause) break;
      const end = matchAt(slots, tokens, at + gap, slot + 1, clause);
      if (end >= 0) return end;
    }
    return -1;
  }
  const token = tokens[at];
  if (!token || token.clause !== clause || !current.words.some((w) => fits(w, token.word)))
    return -1;
  return matchAt(slots, tokens, at + 1, slot + 1, clause);
}

/**
 * What a pattern found means: a danger sign (alarms in any answer), an alarm or a settling word
 * of the question asked, or a settling word of another question (which alarms when negated).
 */
type Kind = 'danger' | 'alarm' | 'reassure' | 'elsewhere';
const KIND_ORDER: Kind[] = ['danger', 'alarm', 'reassure', 'elsewhere'];
type Patterns = { kind: Kind; topic: QuestionId; patterns: Pattern[] };
type Match = { kind: Kind; topic: QuestionId; start: number; end: number; pattern: Pattern };

/** How much a pattern says: its words, not the words its gaps let in. */
const weight = (pattern: Pattern) => pattern.slots.filter((s) => !s.gap).length;

/**
 * Every match of every pattern; where matches overlap, the one of more words is kept ("stopped
 * breathing" over "stopped", "no one" over "no"), on a tie the more alarming, and another
 * question's words only where nothing else was found.
 */
function matches(tokens: Token[], sets: Patterns[]): Match[] {
  const found: Match[] = [];
  for (const { kind, topic, patterns } of sets)
    for (const pattern of patterns)
      for (let start = 0; start < tokens.length; start++) {
        const end = matchAt(pattern.slots, tokens, start, 0, tokens[start].clause);
        if (end > start) found.push({ kind, topic, start, end, pattern });
      }
  found.sort(
    (a, b) =>
      Number(a.kind === 'elsewhere') - Number(b.kind === 'elsewhere') ||
      weight(b.pattern) - weight(a.pattern) ||
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      a.start - b.start,
  );
  const taken = new Set<number>();
  const kept: Match[] = [];
  for (const match of found) {
    const span = Array.from({ length: match.end - match.start }, (_, i) => match.start + i);
    if (span.some((i) => taken.has(i))) continue;
    span.forEach((i) => taken.add(i));
    kept.push(match);
  }
  return kept;
}

const isNegator = (word: string, language: Language) =>
  NEGATORS[language].has(word) || NEGATORS.en.has(word);

/** Whether the token at `at` negates a match `distance` tokens after it. */
function negates(tokens: Token[], at: number, distance: number, language: Language, kind: Kind) {
  const word = tokens[at].word;
  const before = tokens[at - 1]?.word;
  if (word === 'personne' && before !== undefined && FRENCH_ARTICLES.has(before)) return false;
  if (word === 'no' || word === 'nao') {
    const next = tokens[at + 1]?.word;
    const opens = at === 0 || tokens[at - 1].clause !== tokens[at].clause;
    if (opens && next !== undefined && ANSWER_FOLLOWERS.has(next)) return false;
  }
  if (isNegator(word, language)) return true;
  // "no one is hurt", "no longer burning", "no more smoke".
  if (before === 'no' && ['one', 'longer', 'more'].includes(word)) return true;
  // "no bleeding", "no flames"; never before a settling word, where "no" is the answer.
  return word === 'no' && language !== 'pt' && distance === 1 && kind !== 'reassure';
}

/** Whether a match is negated: by a word before it, inside its gaps, or just after it. */
function isNegated(tokens: Token[], match: Match, language: Language): boolean {
  if (match.pattern.negative) return false;
  const clause = tokens[match.start].clause;
  for (let i = match.start - 1; i >= Math.max(0, match.start - NEGATION_REACH); i--) {
    if (tokens[i].clause !== clause) break;
    if (negates(tokens, i, match.start - i, language, match.kind)) return true;
  }
  for (let i = match.start; i < match.end; i++)
    if (isNegator(tokens[i].word, language)) return true;
  const after = AFTER_NEGATORS[language];
  for (
    let i = match.end;
    after && i < Math.min(tokens.length, match.end + AFTER_NEGATION_REACH);
    i++
  ) {
    if (tokens[i].clause !== clause) break;
    // "…der Sensor spinnt, keiner hat was": "keiner" opening a new statement is its subject.
    if (SUBJECT_VERBS.has(tokens[i + 1]?.word ?? '')) continue;
    if (after.has(tokens[i].word)) return true;
  }
  return false;
}

// ---- The compiled tables ----

const QUESTION_IDS = Object.keys(LEXICONS) as QuestionId[];

/** The call's language and English, which callers and recognisers mix in. */
const withEnglish = (language: Language): Language[] =>
  language === 'en' ? ['en'] : [language, 'en'];

type CompiledLexicon = { [K in keyof Lexicon]: Pattern[] };
const COMPILED: Record<QuestionId, Record<Language, CompiledLexicon>> = Object.fromEntries(
  QUESTION_IDS.map((id) => [
    id,
    Object.fromEntries(
      Object.entries(LEXICONS[id]).map(([language, { reassuring, alarming, danger }]) => [
        language,
        {
          reassuring: reassuring.map(compile),
          alarming: alarming.map(compile),
          danger: danger.map(compile),
        },
      ]),
    ),
  ]),
) as Record<QuestionId, Record<Language, CompiledLexicon>>;

const ANSWERS: Record<Language, { [K in keyof Answers]: Pattern[] }> = Object.fromEntries(
  Object.entries(PLAIN_ANSWERS).map(([language, { yes, no, notAnAnswer }]) => [
    language,
    { yes: yes.map(compile), no: no.map(compile), notAnAnswer: notAnAnswer.map(compile) },
  ]),
) as Record<Language, { [K in keyof Answers]: Pattern[] }>;

/** One part of the lexicons, for these questions, in these languages. */
const patternsOf = (
  kind: Kind,
  part: keyof Lexicon,
  ids: QuestionId[],
  languages: Language[],
): Patterns[] =>
  ids.map((topic) => ({
    kind,
    topic,
    patterns: languages.flatMap((language) => COMPILED[topic][language][part]),
  }));

// ---- Reading an answer ----

/**
 * The plain yes or no in an utterance ("yeah yeah", "nah", "sí sí", "nee", "ouais", "não"), or
 * null when it says neither, or both ("yes… no, wait").
 */
export function yesOrNo(utterance: string, language: Language): 'yes' | 'no' | null {
  const { yes, no, notAnAnswer } = ANSWERS[language];
  // Kinds reused as labels: "danger" for what is not an answer, "alarm" yes, "reassure" no.
  const found = matches(tokensOf(utterance, language), [
    { kind: 'danger', topic: 'real', patterns: notAnAnswer },
    { kind: 'alarm', topic: 'real', patterns: yes },
    { kind: 'reassure', topic: 'real', patterns: no },
  ]);
  const saysYes = found.some((m) => m.kind === 'alarm');
  const saysNo = found.some((m) => m.kind === 'reassure');
  return saysYes === saysNo ? null : saysYes ? 'yes' : 'no';
}

/** What the words of an answer to question `id` say, apart from a plain yes or no. */
function content(id: QuestionId, utterance: string, language: Language) {
  const tokens = tokensOf(utterance, language);
  const languages = withEnglish(language);
  const asked = [id, ...ALSO_ANSWERS[id]];
  const elsewhere = NEGATION_ALARMS_ANYWHERE.filter((other) => other !== id);
  const found = matches(tokens, [
    ...patternsOf('danger', 'danger', QUESTION_IDS, languages),
    ...patternsOf('alarm', 'alarming', asked, languages),
    ...patternsOf('reassure', 'reassuring', [id], languages),
    ...patternsOf('elsewhere', 'reassuring', elsewhere, languages),
  ]);
  let alarming = false;
  let reassuring = false;
  for (const match of found) {
    const negated = isNegated(tokens, match, language);
    if (match.kind === 'danger' || match.kind === 'alarm') {
      // "He's not trapped" answers "is he trapped?"; "nobody's hurt" does not answer "is it still burning?".
      if (!negated) alarming = true;
      else if (match.topic === id && NEGATED_ALARM_REASSURES[id]) reassuring = true;
    } else if (negated) alarming = true;
    else if (match.kind === 'reassure') reassuring = true;
  }
  return { alarming, reassuring };
}

/**
 * What the caller's words make of Aurora's key question: alarming when any sign of danger is
 * said, whatever else is; reassuring when the words, or the plain answer, settle it the
 * reassuring way and nothing contradicts them; otherwise unclear ("I don't know", "yes, nobody's
 * hurt" to "is anyone hurt?"), which leaves urgency where it is.
 */
export function answerTo(
  question: KeyQuestion,
  utterance: string,
  language: Language,
): AnswerVerdict {
  const said = content(question.id, utterance, language);
  const plain = yesOrNo(utterance, language);
  const plainly: AnswerVerdict | null =
    plain === null ? null : plain === question.reassuring ? 'reassuring' : 'alarming';
  if (said.alarming) return 'alarming';
  if (said.reassuring) return plainly === 'alarming' ? 'unclear' : 'reassuring';
  return plainly ?? 'unclear';
}

/**
 * What words said before any question was asked already say about it, from their content alone
 * (a plain "no" in first words answers nothing): "he fell off the ladder, he's awake, says his
 * back hurts" answers "is he awake?". Alarming outweighs reassuring, as in an answer.
 */
export function saysAbout(
  question: KeyQuestion,
  utterance: string,
  language: Language,
): AnswerVerdict {
  const said = content(question.id, utterance, language);
  return said.alarming ? 'alarming' : said.reassuring ? 'reassuring' : 'unclear';
}

/**
 * The words say plainly that it is not real (a drill, a test, an exercise, a false alarm), with
 * no sign of danger: an explicit answer to "is it real?" whatever Aurora asked, and whatever
 * "no" or "yes" the caller said around it ("oh no wait, it's the drill's smoke machine").
 */
export function saysNotReal(utterance: string, language: Language): boolean {
  const said = content('real', utterance, language);
  return said.reassuring && !said.alarming;
}
