/**
 * The triage's classes (issue 23): unsure words that raise urgency provisionally, drills,
 * tests, plans and things already over, names, and the life-threatening classes in every
 * language. Kept apart from triage.test.ts so it loads the triage alone.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_PROCEDURES, speechHints } from '../../../functions/src/assistant/procedures';
import { triage } from '../../../functions/src/assistant/triage';

describe('unsure words raise urgency provisionally', () => {
  it('"gary collapsed in the canteen" is a provisional CRITICAL, to be settled by asking about collapse', () => {
    const t = triage('gary collapsed in the canteen', DEMO_PROCEDURES);
    expect([t.urgency, t.provisional, t.unsure?.id]).toEqual(['CRITICAL', true, 'collapse']);
  });
  it('a sure sign confirms it: "gary collapsed and he\'s not breathing"', () => {
    const t = triage("gary collapsed and he's not breathing", DEMO_PROCEDURES);
    expect([t.urgency, t.provisional]).toEqual(['CRITICAL', false]);
  });
  it('smoke alone is provisional, flames are not', () => {
    expect(
      triage('there is smoke coming out of the switch room', DEMO_PROCEDURES).provisional,
    ).toBe(true);
    expect(triage('flames coming out of the switch room', DEMO_PROCEDURES).provisional).toBe(false);
  });
  it('is never provisional below CRITICAL', () => {
    const t = triage('I cut my finger on a box cutter', DEMO_PROCEDURES);
    expect([t.urgency, t.provisional]).toEqual(['URGENT', false]);
  });
  it('a borrowed sign is as sure as the keyword borrowing it: "tank" and "collapsed"', () => {
    expect(triage('he went into the tank and collapsed', DEMO_PROCEDURES).provisional).toBe(false);
  });
  it('no "?" reaches the speech hints', () => {
    expect(speechHints(DEMO_PROCEDURES)).not.toContain('?');
  });
});

describe('drills, tests, plans and things already over raise nothing', () => {
  it.each([
    'this is a drill, smoke in the warehouse',
    'esto es un simulacro hay un herido en el muelle tres',
    'achtung das ist eine übung wir üben einen brand in der lackiererei',
    'ceci est un exercice incendie',
    'atenção é um simulado de incêndio no galpão',
    'scheduled quarry blast at eleven',
    'estamos haciendo la quema controlada del rastrojo',
    'gas detector went off but the engineer measured zero faulty sensor',
    'he fainted yesterday and is fine now',
    'who do i call if the eyewash station is out of water',
  ])('%j -> NORMAL', (speech) => {
    expect(triage(speech, DEMO_PROCEDURES).urgency).toBe('NORMAL');
  });
  it('but "this is not a drill" and "during the drill he collapsed" are real', () => {
    expect(triage('this is not a drill, fire in the paint store', DEMO_PROCEDURES).urgency).toBe(
      'CRITICAL',
    );
    expect(
      triage('during the fire drill a man collapsed and is not breathing', DEMO_PROCEDURES).urgency,
    ).toBe('CRITICAL');
  });
  it('someone fine again is looked at, not alarmed; someone else not breathing still is', () => {
    expect(
      triage('petit feu éteint le collègue tousse un peu mais il va bien', DEMO_PROCEDURES).urgency,
    ).toBe('URGENT');
    expect(triage("he's fine but she's not breathing", DEMO_PROCEDURES).urgency).toBe('CRITICAL');
  });
});

describe('names never count as hazards', () => {
  it.each([
    ['herr brand aus der instandhaltung soll in die werkstatt kommen'],
    ['el señor fuego de mantenimiento pregunta por las llaves'],
    ['blaze is on fire today, can someone bring him a radio'],
  ])('%j -> NORMAL', (speech) => {
    expect(triage(speech, DEMO_PROCEDURES).urgency).toBe('NORMAL');
  });
  it("the registry's names are passed in, and capitalised names mid-sentence are masked", () => {
    expect(triage('flame wants a spare radio', DEMO_PROCEDURES).urgency).toBe('CRITICAL');
    expect(
      triage('flame wants a spare radio', DEMO_PROCEDURES, { names: ['Flame Smith'] }).urgency,
    ).toBe('NORMAL');
    expect(triage('can you ask Blaze to bring the radio', DEMO_PROCEDURES, 'en').urgency).toBe(
      'NORMAL',
    );
  });
});

describe('life-threatening classes in every language', () => {
  it.each([
    'der röchelt nur noch und die lippen werden ganz blau',
    'the grain shifted and hes in it up to his chest',
    'se vino abajo la zanja y tapo al chuy hasta el cuello',
    'un docker est tombé dans le bassin on le voit plus',
    'o colega entrou na galeria de esgoto e parou de responder',
    'hes on the crane saying nobody will miss him',
    'a guy is swinging a claw hammer at the foreman',
    'sie hat nüsse gegessen und die lippen schwellen an und sie keucht',
    'le cayo la cara de un lado y habla arrastrado',
  ])('%j -> CRITICAL', (speech) => {
    expect(triage(speech, DEMO_PROCEDURES).urgency).toBe('CRITICAL');
  });
});

describe('round 7: classes said in every language', () => {
  it.each([
    // self-harm and suicide
    'my mate says he is gonna hurt himself, he has a stanley knife',
    'la operaria dice que se va a cortar las venas',
    'der kollege sagt er springt gleich vom dach',
    'il dit qu il va sauter du pont roulant',
    'o rapaz disse que vai se jogar da caixa d agua',
    'he swallowed a whole bottle of pills on purpose',
    'ela tomou os comprimidos todos de propósito',
    // engulfment and drowning
    'a calf handler fell into the slurry lagoon and went under',
    'el trigo lo está tapando dentro del silo',
    'quelqu un est tombé dans la fosse à purin',
    'caiu um homem na fossa e afundou',
    // stroke, breathing, colour
    'er kann den arm nicht mehr heben und spricht undeutlich',
    'elle a la bouche croche pis elle articule plus',
    'ele está falando todo enrolado e não consegue levantar o braço',
    'il siffle quand il respire',
    'ela ficou toda cinzenta',
    // a smell and people down
    'es stinkt nach faulen eiern und zwei männer sind umgefallen',
    // burns with fire
    'his clothes caught fire at the forge',
    'se le prendió la ropa con el soplete',
  ])('%j -> CRITICAL', (speech) => {
    expect(triage(speech, DEMO_PROCEDURES).urgency).toBe('CRITICAL');
  });
  it.each([
    'just practice guys, mock rescue at the pier, do not send anyone',
    'es una práctica, el herido es de mentira',
    'wir testen grad die notbeleuchtung, bitte ignorieren',
    'c est une pratique d évacuation, pas de panique',
    'é só treino, o ferido é boneco',
    'the co alarm went off but the handheld shows zero, the sensor is acting up',
    'el detector de gas sonó pero marca cero',
    'der melder hat gepiept aber das messgerät zeigt null',
    'le détecteur sonne mais il affiche zéro',
    'o detector apitou mas deu zero',
    'small bin fire, it s out now and everyone s fine',
    'hubo un fuego chico en la basura pero ya se apagó, todos bien',
    'coupure de courant planifiée dimanche',
    'nada más les llamo para agradecerles',
    'der meier brennt heute richtig',
    'o joão tá pegando fogo hoje',
  ])('%j -> NORMAL', (speech) => {
    expect(triage(speech, DEMO_PROCEDURES).urgency).toBe('NORMAL');
  });
  it('"un señor quemado" is a man burned, "el señor Fuego" a name', () => {
    expect(triage('hay un señor quemado con la ropa prendida', DEMO_PROCEDURES).urgency).toBe(
      'CRITICAL',
    );
    expect(triage('busco al señor fuego del turno de noche', DEMO_PROCEDURES).urgency).toBe(
      'NORMAL',
    );
  });
  it.each([
    'got a shock off the panel',
    'hay un herido en el taller',
    'er ist von der leiter gefallen',
    'ma collègue ne se sent pas bien, elle est par terre',
    'der kollege ist an der presse zusammengesackt',
    'y a de la fumée dans le hangar',
    'uno sacó una navaja en el muelle',
  ])('what a dispatcher asks about is provisional: %j', (speech) => {
    const t = triage(speech, DEMO_PROCEDURES);
    expect([t.urgency, t.provisional]).toEqual(['CRITICAL', true]);
  });
});

describe('round 8: first words that already answer the key question, and classes said in every language', () => {
  const urgencyOf = (speech: string) => triage(speech, DEMO_PROCEDURES).urgency;
  it.each([
    "bloke fell off a stepladder in the greenhouse maybe six foot he's awake but says his back's killing him",
    'se cortó el dedo con la cortadora de fiambre sangra bastante pero está consciente y hablando',
    'einer hat sich an nem blech die hand aufgeschnitten blutet ordentlich aber er ist ansprechbar',
  ])('an unsure word whose question the caller answered reassuringly is URGENT: %j', (speech) => {
    expect(urgencyOf(speech)).toBe('URGENT');
  });
  it('an alarming word beside it keeps it CRITICAL: "he fell off the ladder, he\'s talking but not breathing right"', () => {
    expect(urgencyOf("he fell off the ladder he's talking but he's not breathing right")).toBe(
      'CRITICAL',
    );
    expect(urgencyOf("he fell off the ladder and he's not answering")).toBe('CRITICAL');
  });
  it('"er trinkt" is not "ertrinkt"', () => {
    expect(urgencyOf('der ist wieder wach und redet normal er trinkt jetzt was')).not.toBe(
      'CRITICAL',
    );
    expect(urgencyOf('hilfe er ertrinkt im becken')).toBe('CRITICAL');
  });
  it('"wieder" in someone fine again does not make an old event current', () => {
    expect(urgencyOf('die kollegin ist gestern umgekippt aber heute gehts ihr wieder gut')).toBe(
      'NORMAL',
    );
  });
  it.each([
    "tabarnak y a un gars du quart de nuit qui s'est barré dans le bureau il dit qu'il va se pendre",
    'auf der werft ist einer ins hafenbecken gefallen und nicht mehr aufgetaucht',
    'ein kollege ist in den gärbehälter gestiegen und antwortet nicht mehr seit ein paar minuten',
    'o pedreiro comeu camarão na marmita e tá todo inchado e chiando pra respirar',
    'um cara entrou atirando na portaria da mineradora tem um vigia baleado',
    'im kesselhaus ist eine dampfleitung geplatzt und der schlosser hat großflächige verbrühungen am oberkörper',
  ])('life-threatening: %j', (speech) => {
    expect(urgencyOf(speech)).toBe('CRITICAL');
  });
  it.each([
    'honestly this job is killing me three doubles in a row anyway im calling about the rota',
    'arrêt technique programmé de la ligne trois dimanche on coupe le gaz et l’électricité',
    'el detector de gas del sótano pita cada rato pero lo revisamos con el medidor portátil y no hay nada',
    "the man down alarm went off on jims radio but he'd just dropped it he's stood right here fine",
  ])('not an emergency: %j', (speech) => {
    expect(urgencyOf(speech)).toBe('NORMAL');
  });
  it('a safety device that does not work is a hazard, one that works is nothing', () => {
    expect(urgencyOf("the emergency stop on the conveyor doesn't work")).toBe('URGENT');
    expect(urgencyOf('the emergency stop worked fine')).toBe('NORMAL');
  });
});
