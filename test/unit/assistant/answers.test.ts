/**
 * How a caller's answer to Aurora's key question is read (functions/src/assistant/answers.ts), in
 * the five languages and as speech recognition writes it: lower case, no punctuation, fillers
 * ("yeah yeah", "uh huh", "sí sí"). A dispatcher's reading (MPDS case entry, ERC 2021): an answer
 * reassures only when it says so plainly; any sign of danger in it alarms, whatever else it says;
 * anything else leaves urgency where it was.
 */
import { describe, expect, it } from 'vitest';
import { KeyQuestion, LANGUAGES, type Language, type QuestionId } from '@aurora/model';
import questions from '../../../functions/src/assistant/keyQuestions.json';
import {
  ACKNOWLEDGED,
  answerTo,
  questionIn,
  saysNotReal,
  STAY_ON_THE_LINE,
  yesOrNo,
} from '../../../functions/src/assistant/answers';

const question = (procedure: string, id: QuestionId): KeyQuestion => {
  const found = KeyQuestion.array()
    .parse((questions as Record<string, unknown>)[procedure])
    .find((q) => q.id === id);
  if (!found) throw new Error(`${procedure} has no ${id} question`);
  return found;
};

/** "Is the person awake and breathing normally?" (yes reassures). */
const AWAKE = question('collapse', 'awake');
/** "Is the person breathing normally?" (yes reassures). */
const BREATHING = question('collapse', 'breathing');
/** "Is anyone trapped or hurt?" (no reassures). */
const TRAPPED = question('fire', 'trapped');
/** "Is anyone hurt?" (no reassures). */
const HURT = question('near-miss', 'hurt');
/** "Is this a drill or a test?" (yes reassures). */
const DRILL = question('fire', 'real');
/** "Is there an emergency happening right now?" (no reassures). */
const EMERGENCY_NOW = question('evacuation', 'real');
/** "Is the fire still burning?" (no reassures). */
const FIRE_ONGOING = question('fire', 'ongoing');
/** "Is the worker still missing?" (no reassures). */
const MISSING = question('overdue-worker', 'ongoing');
/** "Is it still bleeding heavily?" (no reassures). */
const BLEEDING = question('bleeding', 'ongoing');

type Case = [KeyQuestion, Language, string];

const REASSURING: Case[] = [
  // awake
  [AWAKE, 'en', "yeah yeah he's awake"],
  [AWAKE, 'en', 'she opened her eyes and shes talking'],
  [AWAKE, 'en', 'hes sitting up now'],
  [AWAKE, 'en', 'uh huh'],
  [AWAKE, 'en', "she's awake now sitting and talking"],
  [AWAKE, 'es', 'sí sí está despierto'],
  [AWAKE, 'es', 'ya abrió los ojos y habla'],
  [AWAKE, 'de', 'ja er ist wach'],
  [AWAKE, 'de', 'jo sie sitzt und redet'],
  [AWAKE, 'fr', 'oui il est réveillé'],
  [AWAKE, 'fr', 'ouais elle parle elle est assise'],
  [AWAKE, 'pt', 'sim ele está acordado'],
  [AWAKE, 'pt', 'ela abriu os olhos e está falando'],
  // breathing
  [BREATHING, 'en', "yep he's breathing fine"],
  [BREATHING, 'en', 'breathing normally'],
  [BREATHING, 'en', "he's breathing fine not gasping or anything"],
  [BREATHING, 'es', 'sí respira con normalidad'],
  [BREATHING, 'es', 'respira bien'],
  [BREATHING, 'de', 'ja er atmet normal'],
  [BREATHING, 'de', 'sie atmet ganz ruhig'],
  [BREATHING, 'fr', 'oui il respire normalement'],
  [BREATHING, 'fr', 'elle respire bien'],
  [BREATHING, 'pt', 'sim está respirando normalmente'],
  [BREATHING, 'pt', 'respira bem'],
  // trapped or hurt
  [TRAPPED, 'en', 'no nobody everyones out'],
  // The conversation: smoke from the switch room, then this.
  [TRAPPED, 'en', "nobody's inside, we got everyone out"],
  [TRAPPED, 'es', 'no hay nadie dentro'],
  [TRAPPED, 'fr', "Non, il n'y a personne à l'intérieur."],
  [TRAPPED, 'en', 'nah we got everyone out'],
  [TRAPPED, 'en', "no one's in there"],
  [TRAPPED, 'es', 'no, nadie, todos salieron'],
  [TRAPPED, 'es', 'nadie está atrapado'],
  [TRAPPED, 'de', 'nein alle sind draußen'],
  [TRAPPED, 'de', 'niemand ist eingeschlossen'],
  [TRAPPED, 'fr', "non personne n'est coincé"],
  [TRAPPED, 'fr', 'tout le monde est sorti'],
  [TRAPPED, 'pt', 'não ninguém está preso'],
  [TRAPPED, 'pt', 'todos saíram'],
  // hurt
  [HURT, 'en', 'nope nobody got hurt'],
  [HURT, 'en', 'no one is injured'],
  [HURT, 'en', "he's not hurt"],
  [HURT, 'es', 'no hay heridos'],
  [HURT, 'es', 'no, estamos todos bien'],
  [HURT, 'de', 'nee keiner ist verletzt'],
  [HURT, 'de', 'verletzt ist keiner'],
  [HURT, 'fr', "non personne n'est blessé"],
  [HURT, 'fr', 'tout le monde va bien'],
  [HURT, 'pt', 'não ninguém se machucou'],
  [HURT, 'pt', 'nao todo mundo está bem'],
  // real: is this a drill?
  [DRILL, 'en', "yeah it's just a drill"],
  [DRILL, 'en', "it's the drills smoke machine"],
  [DRILL, 'en', 'false alarm they were testing the system'],
  [DRILL, 'en', 'the engineer measured zero, faulty sensor'],
  [DRILL, 'es', 'sí es un simulacro'],
  [DRILL, 'es', 'es una falsa alarma'],
  [DRILL, 'de', 'ja das ist eine übung'],
  [DRILL, 'de', 'war nur ein probealarm'],
  [DRILL, 'fr', "oui c'est un exercice"],
  [DRILL, 'fr', "c'est une fausse alerte"],
  [DRILL, 'pt', 'sim é um simulado'],
  [DRILL, 'pt', 'é só um teste'],
  // real: is there an emergency right now?
  [EMERGENCY_NOW, 'en', 'no no just asking'],
  [EMERGENCY_NOW, 'en', "no it's not real it's an exercise"],
  [EMERGENCY_NOW, 'es', 'no, solo pregunto'],
  [EMERGENCY_NOW, 'de', 'nein ich frage nur'],
  [EMERGENCY_NOW, 'fr', 'non je me renseigne'],
  [EMERGENCY_NOW, 'pt', 'não só queria saber'],
  // ongoing
  [FIRE_ONGOING, 'en', "no it's out"],
  [FIRE_ONGOING, 'en', 'we put it out its under control'],
  [FIRE_ONGOING, 'en', "it's not burning anymore"],
  [FIRE_ONGOING, 'es', 'no, ya se apagó'],
  [FIRE_ONGOING, 'es', 'ya no arde'],
  [FIRE_ONGOING, 'de', 'nein es ist gelöscht'],
  [FIRE_ONGOING, 'de', 'es brennt nicht mehr'],
  [FIRE_ONGOING, 'fr', 'non le feu est éteint'],
  [FIRE_ONGOING, 'fr', 'ça ne brûle plus'],
  [FIRE_ONGOING, 'pt', 'não já apagou'],
  [FIRE_ONGOING, 'pt', 'não está mais queimando'],
  [MISSING, 'en', "no we found him he's fine"],
  [MISSING, 'es', 'no, ya lo encontramos'],
  [MISSING, 'de', 'nein wir haben ihn gefunden'],
  [MISSING, 'fr', "non on l'a retrouvé"],
  [MISSING, 'pt', 'não, ele apareceu'],
  [BLEEDING, 'en', "no it's stopped bleeding"],
  [BLEEDING, 'es', 'no, ya dejó de sangrar'],
  [BLEEDING, 'de', 'es blutet nicht mehr'],
  [BLEEDING, 'fr', 'ça ne saigne plus'],
  [BLEEDING, 'pt', 'não, parou de sangrar'],
];

const ALARMING: Case[] = [
  // awake
  [AWAKE, 'en', "no he won't wake up"],
  [AWAKE, 'en', "he's not responding his eyes are rolling"],
  [AWAKE, 'en', "nah he's out cold"],
  [AWAKE, 'es', 'no, no despierta'],
  [AWAKE, 'es', 'no responde tiene los ojos en blanco'],
  [AWAKE, 'de', 'nein er reagiert nicht'],
  [AWAKE, 'de', 'sie ist bewusstlos'],
  [AWAKE, 'fr', 'non il ne se réveille pas'],
  [AWAKE, 'fr', 'elle répond pas'],
  [AWAKE, 'pt', 'não ele não acorda'],
  [AWAKE, 'pt', 'está desmaiado não responde'],
  // breathing
  [BREATHING, 'en', "no he's not breathing"],
  [BREATHING, 'en', "he's kind of gasping"],
  [BREATHING, 'en', 'barely and hes gurgling'],
  [BREATHING, 'en', "he's breathing but it's weird"],
  [BREATHING, 'en', "he's wheezing and his lips are blue"],
  [BREATHING, 'es', 'no, no respira'],
  [BREATHING, 'es', 'apenas respira y está morado'],
  [BREATHING, 'de', 'nein er atmet nicht'],
  [BREATHING, 'de', 'er röchelt'],
  [BREATHING, 'de', 'er atmet nicht normal'],
  [BREATHING, 'fr', 'non il ne respire pas'],
  [BREATHING, 'fr', 'il respire bizarrement'],
  [BREATHING, 'pt', 'não ele não está respirando'],
  [BREATHING, 'pt', 'está ofegante e roxo'],
  // trapped or hurt
  [TRAPPED, 'en', "yes someone's stuck inside"],
  [TRAPPED, 'en', "he's hurt he's bleeding"],
  [TRAPPED, 'es', 'sí, hay uno atrapado'],
  [TRAPPED, 'de', 'ja einer ist noch drin'],
  [TRAPPED, 'fr', 'oui il est coincé'],
  [TRAPPED, 'pt', 'sim tem um preso lá dentro'],
  // hurt
  [HURT, 'en', "yeah he's hurt"],
  [HURT, 'en', 'his arm is bleeding'],
  [HURT, 'es', 'sí, está herido'],
  [HURT, 'de', 'ja er ist verletzt'],
  [HURT, 'fr', 'oui il est blessé'],
  [HURT, 'pt', 'sim ele está ferido'],
  // real
  [DRILL, 'en', "no it's real"],
  [DRILL, 'en', 'this is not a drill'],
  [DRILL, 'es', 'no, es real'],
  [DRILL, 'es', 'no es un simulacro'],
  [DRILL, 'de', 'nein das ist echt'],
  [DRILL, 'de', 'das ist keine übung'],
  [DRILL, 'fr', "non c'est pour de vrai"],
  [DRILL, 'fr', "ce n'est pas un exercice"],
  [DRILL, 'pt', 'não, é de verdade'],
  [DRILL, 'pt', 'não é um simulado'],
  [EMERGENCY_NOW, 'en', 'yes there is a real fire'],
  [EMERGENCY_NOW, 'es', 'sí, hay fuego'],
  // ongoing
  [FIRE_ONGOING, 'en', "yes it's still burning"],
  [FIRE_ONGOING, 'en', "it's spreading getting worse"],
  [FIRE_ONGOING, 'en', "it's out of control"],
  [FIRE_ONGOING, 'es', 'está fuera de control'],
  [FIRE_ONGOING, 'es', 'sí, sigue ardiendo'],
  [FIRE_ONGOING, 'es', 'se está propagando'],
  [FIRE_ONGOING, 'de', 'ja es brennt noch'],
  [FIRE_ONGOING, 'de', 'es wird schlimmer'],
  [FIRE_ONGOING, 'fr', 'oui ça brûle encore'],
  [FIRE_ONGOING, 'fr', 'le feu se propage'],
  [FIRE_ONGOING, 'pt', 'sim ainda está queimando'],
  [FIRE_ONGOING, 'pt', 'está espalhando'],
  [MISSING, 'en', "yes still can't reach him"],
  [BLEEDING, 'es', 'sí, sigue sangrando'],
  [BLEEDING, 'de', 'ja es blutet noch stark'],
];

const UNCLEAR: Case[] = [
  [AWAKE, 'en', "i don't know"],
  [AWAKE, 'en', 'hang on'],
  [BREATHING, 'en', 'he is not gasping'],
  [BREATHING, 'es', 'no sé'],
  [BREATHING, 'pt', 'não sei'],
  [TRAPPED, 'de', 'weiß ich nicht'],
  [FIRE_ONGOING, 'fr', 'je sais pas'],
  [FIRE_ONGOING, 'en', "nobody's hurt"],
  [DRILL, 'en', 'what'],
  // A plain answer that contradicts the words: neither safe to lower nor clearly alarming.
  [HURT, 'en', 'yes nobody is hurt'],
];

describe('answerTo', () => {
  it.each(REASSURING)('%#: reassuring (%s / %s) "%s"', (q, language, utterance) => {
    expect(answerTo(q, utterance, language)).toBe('reassuring');
  });

  it.each(ALARMING)('%#: alarming (%s / %s) "%s"', (q, language, utterance) => {
    expect(answerTo(q, utterance, language)).toBe('alarming');
  });

  it.each(UNCLEAR)('%#: unclear (%s / %s) "%s"', (q, language, utterance) => {
    expect(answerTo(q, utterance, language)).toBe('unclear');
  });

  it('covers every question id in every language, both ways', () => {
    for (const id of ['awake', 'breathing', 'trapped', 'hurt', 'real', 'ongoing'])
      for (const language of LANGUAGES)
        for (const cases of [REASSURING, ALARMING])
          expect(
            cases.some(([q, l]) => q.id === id && l === language),
            `${id} ${language}`,
          ).toBe(true);
  });

  describe('safety first: an alarming sign anywhere beats a reassuring one', () => {
    it.each<Case>([
      [AWAKE, 'en', "yes he's awake but he can't breathe"],
      [AWAKE, 'en', "yeah she's talking but her breathing is weird"],
      [AWAKE, 'en', 'he opened his eyes but hes gasping'],
      [AWAKE, 'es', 'sí está despierto pero no puede respirar'],
      [AWAKE, 'de', 'ja er ist wach aber er bekommt keine luft'],
      [AWAKE, 'fr', 'oui il est conscient mais il suffoque'],
      [AWAKE, 'pt', 'sim está acordado mas não consegue respirar'],
      [TRAPPED, 'en', 'no everyones out but joe is unconscious'],
      [FIRE_ONGOING, 'en', "no it's out but dave is hurt"],
      [DRILL, 'en', "it's a drill but someone actually collapsed and passed out"],
      [HURT, 'en', "nobody's hurt but there's a guy stuck in the lift"],
      [MISSING, 'en', 'we found him he is not breathing'],
    ])('%#: (%s / %s) "%s"', (q, language, utterance) => {
      expect(answerTo(q, utterance, language)).toBe('alarming');
    });

    it('a negated danger sign does not alarm', () => {
      expect(answerTo(BREATHING, "yes he's not gasping", 'en')).toBe('reassuring');
      expect(answerTo(TRAPPED, 'no nobody is stuck', 'en')).toBe('reassuring');
      expect(answerTo(AWAKE, 'yes not unconscious', 'en')).toBe('reassuring');
    });

    it('a negated reassuring word alarms', () => {
      expect(answerTo(AWAKE, "he's not awake", 'en')).toBe('alarming');
      expect(answerTo(BREATHING, "he's not breathing normally", 'en')).toBe('alarming');
      expect(answerTo(TRAPPED, 'not everyone is out', 'en')).toBe('alarming');
      expect(answerTo(FIRE_ONGOING, "it's not out", 'en')).toBe('alarming');
    });

    it('names and the article before "personne" are not negations', () => {
      expect(answerTo(AWAKE, 'oui la personne est consciente', 'fr')).toBe('reassuring');
    });
  });
});

describe('yesOrNo', () => {
  it.each<[Language, string, 'yes' | 'no' | null]>([
    ['en', 'yes', 'yes'],
    ['en', 'yeah yeah', 'yes'],
    ['en', 'yep', 'yes'],
    ['en', 'uh huh', 'yes'],
    ['en', 'nah', 'no'],
    ['en', 'nope', 'no'],
    ['en', 'no no no', 'no'],
    ['es', 'sí sí', 'yes'],
    ['es', 'si', 'yes'],
    ['es', 'no', 'no'],
    ['de', 'ja', 'yes'],
    ['de', 'jo', 'yes'],
    ['de', 'nee', 'no'],
    ['de', 'nein', 'no'],
    ['fr', 'oui', 'yes'],
    ['fr', 'ouais', 'yes'],
    ['fr', 'non', 'no'],
    ['pt', 'sim', 'yes'],
    ['pt', 'não', 'no'],
    ['pt', 'nao', 'no'],
    ['pt', 'yes', 'yes'],
    // Neither, or both.
    ['en', "i don't know", null],
    ['en', 'no one', null],
    ['en', 'yes no wait', null],
    ['en', '', null],
    ['es', 'no sé', null],
    ['pt', 'não sei', null],
    // Portuguese "já" is "already", "no" is "in the".
    ['pt', 'já apagou', null],
    ['pt', 'está no chão', null],
  ])('%s "%s" → %s', (language, utterance, expected) => {
    expect(yesOrNo(utterance, language)).toBe(expected);
  });
});

describe('questionIn', () => {
  it("asks in the caller's language", () => {
    expect(questionIn(AWAKE, 'de')).toBe('Ist die Person wach und atmet sie normal?');
    expect(questionIn(AWAKE, 'en')).toBe('Is the person awake and breathing normally?');
  });

  it('falls back to English when a translation is missing', () => {
    expect(questionIn({ ...AWAKE, translations: undefined }, 'fr')).toBe(AWAKE.ask);
    expect(questionIn({ ...AWAKE, translations: { es: '¿Despierta?' } }, 'pt')).toBe(AWAKE.ask);
  });
});

describe('the follow-up lines', () => {
  it('exist in every language', () => {
    for (const language of LANGUAGES) {
      expect(ACKNOWLEDGED[language]).toMatch(/\.$/);
      expect(STAY_ON_THE_LINE[language]).toMatch(/\.$/);
    }
    expect(STAY_ON_THE_LINE.en).toBe('Stay on the line and tell me if anything changes.');
  });
});

describe('answers a dispatcher hears after a faint, a sensor alarm or a small cut (round 7)', () => {
  it.each<[string, Language]>([
    ["she's awake and talking, she just stood up too fast", 'en'],
    ['ya despertó y está hablando, dice que no desayunó está bien', 'es'],
    ['er ist wieder aufgestanden, hat nix gegessen', 'de'],
    ["il s'est relevé tout de suite", 'fr'],
    ['já levantou, só tava sem comer', 'pt'],
  ])('awake: %j reassures', (said, language) => {
    expect(answerTo(AWAKE, said, language)).toBe('reassuring');
  });
  it('"breathing too fast" still alarms', () => {
    expect(answerTo(AWAKE, "he's breathing too fast", 'en')).toBe('alarming');
  });
  it.each<[string, Language]>([
    ['we checked, the handheld reads zero, the sensor is acting up', 'en'],
    ['ya medimos y marca cero, el sensor está fallando', 'es'],
    ['hab nachgemessen null ppm der sensor spinnt keiner hat was', 'de'],
    ["ça affiche zéro, c'est le capteur qui est défectueux", 'fr'],
    ['medimos e deu zero, o sensor tá com defeito', 'pt'],
    ['perdón es parte del simulacro no es real', 'es'],
    ["pardon c'est pour l'exercice, c'est un mannequin", 'fr'],
  ])('not real: %j', (said, language) => {
    expect(saysNotReal(said, language)).toBe(true);
  });
  it('a sensor that reads high is no false alarm', () => {
    expect(saysNotReal('the sensor reads two hundred ppm and rising', 'en')).toBe(false);
  });
  it('"just a paper cut, she has a band aid on" answers "still bleeding heavily?"', () => {
    expect(
      answerTo(
        question('bleeding', 'ongoing'),
        "it's just a paper cut she's got a band aid on it",
        'en',
      ),
    ).toBe('reassuring');
  });
});
