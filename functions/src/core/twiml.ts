import { DEFAULT_LANGUAGE, type Language, languageOf } from '@aurora/model';
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';

/** Twilio <Gather> speech settings. */
export type SpeechSettings = { language: string; model: string; timeout: string };

type GatherLanguage = NonNullable<VoiceResponse.GatherAttributes['language']>;
type SayAttributes = {
  voice: NonNullable<VoiceResponse.SayAttributes['voice']>;
  language: NonNullable<VoiceResponse.SayAttributes['language']>;
};

/**
 * How Twilio hears and speaks each supported language. Gather `language` takes a BCP-47 tag
 * with its locale ("en" alone is refused: warning 13512, https://www.twilio.com/docs/api/errors/13512;
 * values: https://www.twilio.com/docs/voice/twiml/gather#language). Say's `voice` is one of the
 * Amazon Polly voices Twilio offers, with its language ("Using an invalid combination of voice
 * and language may result in error", https://www.twilio.com/docs/voice/twiml/say and
 * https://www.twilio.com/docs/voice/twiml/say/text-speech). The twilio SDK's own types
 * (GatherLanguage, SayVoice, SayLanguage) check every value here at compile time.
 */
export const VOICES: Record<Language, { gather: GatherLanguage; say: SayAttributes }> = {
  en: { gather: 'en-US', say: { voice: 'Polly.Joanna', language: 'en-US' } },
  es: { gather: 'es-ES', say: { voice: 'Polly.Lucia', language: 'es-ES' } },
  de: { gather: 'de-DE', say: { voice: 'Polly.Vicki', language: 'de-DE' } },
  fr: { gather: 'fr-FR', say: { voice: 'Polly.Lea', language: 'fr-FR' } },
  pt: { gather: 'pt-BR', say: { voice: 'Polly.Camila', language: 'pt-BR' } },
};

/** Public paths Twilio posts to; the console is configured with the first and last. */
export const WEBHOOK_PATHS = {
  voice: '/twilio/voice',
  turn: '/twilio/turn',
  partial: '/twilio/partial',
  status: '/twilio/status',
  /** A bridge's <Dial action>: how the dialled leg ended. */
  dial: '/twilio/dial',
  /** A bridge's <Number url>: the screening the called person hears before being connected. */
  screen: '/twilio/screen',
  /** The TwiML App's Voice URL: a supervisor's browser leg joining a call's conference (issue 24). */
  browser: '/twilio/browser',
  /** A phone leg's key press at its screening (press 1 to join the conference). */
  leg: '/twilio/leg',
  /** A phone leg's call status callback: how it ended. */
  legStatus: '/twilio/leg-status',
  /** A call's conference status callback (start, end, join, leave, mute). */
  conference: '/twilio/conference',
  /** The caller's <Dial action> when they leave the conference: back to Aurora. */
  rejoin: '/twilio/rejoin',
  /** Real-time transcription callbacks of the caller and the human legs. */
  transcription: '/twilio/transcription',
  /** A conference's AnnounceUrl: a supervisor's typed words, spoken into the conference. */
  announce: '/twilio/announce',
} as const;

/** What Aurora says on its own (not from a procedure), in each supported language. */
export const LINES_IN: Record<
  Language,
  {
    greeting: (name?: string) => string;
    reprompt: string;
    closing: string;
    stillHere: string;
    unavailable: string;
  }
> = {
  en: {
    greeting: (name) =>
      `${name ? `Hello ${name}, this` : 'This'} is Aurora, the safety line. Tell me what is happening and where you are.`,
    reprompt: 'I did not hear anything. Please tell me what is happening.',
    closing:
      'I still cannot hear you, so I am ending this call. If you are in danger, leave the area and call emergency services, then call us again.',
    stillHere:
      'Aurora is still here and the line stays open. Your supervisors have been alerted. Speak when you can.',
    unavailable:
      'Aurora is having trouble right now. If you are in danger, leave the area now and call emergency services.',
  },
  es: {
    greeting: (name) =>
      `${name ? `Hola ${name}, le` : 'Le'} atiende Aurora, la línea de seguridad. Dígame qué está pasando y dónde está.`,
    reprompt: 'No le he oído. Por favor, dígame qué está pasando.',
    closing:
      'Sigo sin oírle, así que termino la llamada. Si está en peligro, salga de la zona y llame a los servicios de emergencia, y luego vuelva a llamarnos.',
    stillHere:
      'Aurora sigue aquí y la línea sigue abierta. Sus supervisores han sido avisados. Hable cuando pueda.',
    unavailable:
      'Aurora tiene problemas en este momento. Si está en peligro, salga de la zona ahora y llame a los servicios de emergencia.',
  },
  de: {
    greeting: (name) =>
      `${name ? `Hallo ${name}, hier` : 'Hier'} ist Aurora, die Sicherheitsleitung. Sagen Sie mir, was passiert und wo Sie sind.`,
    reprompt: 'Ich habe nichts gehört. Bitte sagen Sie mir, was passiert.',
    closing:
      'Ich höre Sie immer noch nicht und beende den Anruf. Wenn Sie in Gefahr sind, verlassen Sie den Bereich, rufen Sie den Notruf 112 und dann wieder uns an.',
    stillHere:
      'Aurora ist noch da und die Leitung bleibt offen. Ihre Vorgesetzten sind alarmiert. Sprechen Sie, wenn Sie können.',
    unavailable:
      'Aurora hat gerade eine Störung. Wenn Sie in Gefahr sind, verlassen Sie jetzt den Bereich und rufen Sie den Notruf 112.',
  },
  fr: {
    greeting: (name) =>
      `${name ? `Bonjour ${name}, ici` : 'Ici'} Aurora, la ligne de sécurité. Dites-moi ce qui se passe et où vous êtes.`,
    reprompt: "Je n'ai rien entendu. Dites-moi ce qui se passe, s'il vous plaît.",
    closing:
      "Je ne vous entends toujours pas, je termine l'appel. Si vous êtes en danger, quittez la zone et appelez les secours, puis rappelez-nous.",
    stillHere:
      'Aurora est toujours là et la ligne reste ouverte. Vos responsables sont prévenus. Parlez quand vous pourrez.',
    unavailable:
      'Aurora rencontre un problème en ce moment. Si vous êtes en danger, quittez la zone maintenant et appelez les secours.',
  },
  pt: {
    greeting: (name) =>
      `${name ? `Olá ${name}, aqui` : 'Aqui'} é a Aurora, a linha de segurança. Diga o que está acontecendo e onde você está.`,
    reprompt: 'Não ouvi nada. Por favor, diga o que está acontecendo.',
    closing:
      'Continuo sem ouvir você, então vou encerrar a ligação. Se estiver em perigo, saia da área e ligue para os serviços de emergência, depois ligue de novo para nós.',
    stillHere:
      'A Aurora continua aqui e a linha continua aberta. Seus supervisores foram avisados. Fale quando puder.',
    unavailable:
      'A Aurora está com problemas agora. Se estiver em perigo, saia da área agora e ligue para os serviços de emergência.',
  },
};

/**
 * What the caller hears when a supervisor acts on the call, in each supported language; and,
 * after a bridge, that nobody answered or that the bridged call ended: the caller is listened
 * to again either way, never left with a dead line.
 */
export const SUPERVISOR_LINES_IN: Record<
  Language,
  {
    supervisorJoined: string;
    aiBack: string;
    connecting: string;
    notAnswered: string;
    bridgeEnded: string;
    /**
     * Moved into the call's conference for a supervisor who only listens, Aurora still answering:
     * the move cuts off whatever Aurora was saying, so the caller hears she is still there (not
     * that someone joins: nobody there will speak).
     */
    stillWithYou: string;
  }
> = {
  en: {
    supervisorJoined:
      'A safety supervisor has joined the call and is listening. Keep talking to us.',
    aiBack: 'Aurora here again. I am listening.',
    connecting: 'Connecting you now. Stay on the line.',
    notAnswered: 'Nobody answered. Stay on the line, we are still with you.',
    bridgeEnded: 'The other call has ended. Stay on the line, we are still with you.',
    stillWithYou: "I'm still here with you.",
  },
  es: {
    supervisorJoined:
      'Un supervisor de seguridad se ha unido a la llamada y le está escuchando. Siga hablándonos.',
    aiBack: 'Aquí Aurora de nuevo. Le escucho.',
    connecting: 'Le estoy conectando. No cuelgue.',
    notAnswered: 'Nadie ha contestado. No cuelgue, seguimos con usted.',
    bridgeEnded: 'La otra llamada ha terminado. No cuelgue, seguimos con usted.',
    stillWithYou: 'Sigo aquí con usted.',
  },
  de: {
    supervisorJoined:
      'Ein Sicherheitsverantwortlicher ist jetzt in der Leitung und hört zu. Sprechen Sie weiter mit uns.',
    aiBack: 'Hier ist wieder Aurora. Ich höre zu.',
    connecting: 'Ich verbinde Sie jetzt. Bleiben Sie in der Leitung.',
    notAnswered: 'Niemand hat abgenommen. Bleiben Sie in der Leitung, wir sind weiter für Sie da.',
    bridgeEnded:
      'Das andere Gespräch ist beendet. Bleiben Sie in der Leitung, wir sind weiter für Sie da.',
    stillWithYou: 'Ich bin weiter für Sie da.',
  },
  fr: {
    supervisorJoined:
      "Un responsable de la sécurité a rejoint l'appel et vous écoute. Continuez à nous parler.",
    aiBack: 'Ici Aurora à nouveau. Je vous écoute.',
    connecting: 'Je vous mets en relation. Restez en ligne.',
    notAnswered: "Personne n'a répondu. Restez en ligne, nous sommes toujours avec vous.",
    bridgeEnded: "L'autre appel est terminé. Restez en ligne, nous sommes toujours avec vous.",
    stillWithYou: 'Je suis toujours là avec vous.',
  },
  pt: {
    supervisorJoined:
      'Um supervisor de segurança entrou na ligação e está ouvindo. Continue falando com a gente.',
    aiBack: 'Aqui é a Aurora de novo. Estou ouvindo.',
    connecting: 'Estou conectando você agora. Fique na linha.',
    notAnswered: 'Ninguém atendeu. Fique na linha, continuamos com você.',
    bridgeEnded: 'A outra ligação terminou. Fique na linha, continuamos com você.',
    stillWithYou: 'Continuo aqui com você.',
  },
};

/** Where and how to listen after speaking: the Gather's URLs and speech settings. */
export type Listen = {
  action: string;
  /** Twilio posts partial speech here while the caller talks. */
  partial?: string;
  hints: string;
  speech: SpeechSettings;
  /** The caller's language, when known: it picks Gather's language and Say's voice. */
  language?: Language;
};

export type NextTurn = {
  /** The live call, so the turn reads it directly (Twilio signs the URL: it cannot be forged). */
  call?: string;
  /** Silent turns so far. */
  silent?: number;
  /** This Gather's id: partial results from an earlier Gather are told apart by it. */
  gather?: string;
  /**
   * A supervisor held the call when this Gather was given to Twilio. Every take and hand-back
   * replaces the TwiML Twilio runs (a call update), so the Gather running says who holds the call
   * when the database cannot (takeTurn.ts): Aurora stays silent then, as she must while held.
   */
  held?: boolean;
};

function withQuery(url: string, next: NextTurn): string {
  const query = new URLSearchParams();
  if (next.call) query.set('call', next.call);
  if (next.silent) query.set('silent', String(next.silent));
  if (next.gather) query.set('g', next.gather);
  if (next.held) query.set('held', '1');
  const search = query.toString();
  return `${url}${search ? `?${search}` : ''}`;
}

/** The Gather action URL for the next turn. */
export function turnUrl(baseUrl: string, next: NextTurn = {}): string {
  return withQuery(`${baseUrl}${WEBHOOK_PATHS.turn}`, next);
}

/** Everything a Gather needs; partial results are only asked for on a known call. */
export function listenFor(
  baseUrl: string,
  next: NextTurn,
  speech: SpeechSettings,
  hints: string,
  language?: Language,
): Listen {
  return {
    action: turnUrl(baseUrl, next),
    partial:
      next.call && next.gather
        ? withQuery(`${baseUrl}${WEBHOOK_PATHS.partial}`, { call: next.call, gather: next.gather })
        : undefined,
    hints,
    speech,
    ...(language ? { language } : {}),
  };
}

/**
 * The caller's language unless it is the site's own (SPEECH_LANGUAGE, e.g. en-GB): callers in
 * the site's language keep the site's recogniser locale and Twilio's default voice.
 */
function foreign(listen: Pick<Listen, 'language' | 'speech'>): Language | undefined {
  const site = languageOf(listen.speech.language) ?? DEFAULT_LANGUAGE;
  return listen.language && listen.language !== site ? listen.language : undefined;
}

/** Say's voice and language for the caller's language (none for the site's own). */
export function voiceFor(
  listen: Pick<Listen, 'language' | 'speech'>,
): SayAttributes | Record<string, never> {
  const language = foreign(listen);
  return language ? VOICES[language].say : {};
}

function gather(response: VoiceResponse, listen: Listen) {
  const { model, timeout } = listen.speech;
  const other = foreign(listen);
  const language = other ? VOICES[other].gather : listen.speech.language;
  return response.gather({
    input: ['speech'],
    action: listen.action,
    method: 'POST',
    actionOnEmptyResult: true,
    language: language as NonNullable<Parameters<VoiceResponse['gather']>[0]>['language'],
    ...(model ? { speechModel: model } : {}),
    // Twilio refuses speechTimeout="auto" once a speech model is named.
    speechTimeout: model && timeout === 'auto' ? '2' : timeout,
    ...(listen.hints ? { hints: listen.hints } : {}),
    ...(listen.partial
      ? { partialResultCallback: listen.partial, partialResultCallbackMethod: 'POST' }
      : {}),
    bargeIn: true,
  });
}

/**
 * Characters XML 1.0 cannot hold (control characters, lone surrogates, U+FFFE/U+FFFF): the
 * twilio library's XML builder throws on them, and a turn that throws hangs up on the caller.
 */
const NOT_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text as it can be spoken: what XML cannot carry becomes a space, runs of spaces one. */
export const speakable = (text: string) => text.replace(NOT_XML, ' ').replace(/ {2,}/g, ' ').trim();

/** TwiML verbs put before the rest of a response (the end of a conference's transcription, say). */
export type Preamble = (response: VoiceResponse) => void;

/** Say `text`, then listen for the caller's speech; barge-in lets a caller interrupt. */
export function speakAndListen(text: string, listen: Listen, before?: Preamble): string {
  const response = new VoiceResponse();
  before?.(response);
  gather(response, listen).say(voiceFor(listen), speakable(text));
  return response.toString();
}

/** Say `text` and hang up; `voice` speaks it in the caller's language. */
export function speakAndHangUp(text: string, voice: ReturnType<typeof voiceFor> = {}): string {
  const response = new VoiceResponse();
  response.say(voice, speakable(text));
  response.hangup();
  return response.toString();
}

/** Listen without speaking (a human has taken the call and speaks through the admin tools). */
export function listenOnly(listen: Listen, before?: Preamble): string {
  const response = new VoiceResponse();
  before?.(response);
  gather(response, listen);
  return response.toString();
}

/**
 * How long a bridge rings before Twilio gives up with DialCallStatus no-answer (Twilio's default
 * is 30 s, https://www.twilio.com/docs/voice/twiml/dial#timeout): a caller in trouble is back
 * with the supervisor sooner, who may try another number.
 */
export const BRIDGE_RING_SECONDS = 25;

/** One bridge: the number, its limits, and the two URLs Twilio requests for it (bridgeUrls). */
export type Bridge = {
  number: string;
  timeLimitSeconds: number;
  ringSeconds: number;
  action: string;
  screen: string;
};

/**
 * A bridge's URLs, signed by Twilio like every webhook: the <Dial action> names the call and the
 * number dialled (Twilio's request says only how the leg ended, not where it went), the
 * <Number url> names the call whose caller is waiting.
 */
export function bridgeUrls(
  baseUrl: string,
  callId: string,
  to: string,
): Pick<Bridge, 'action' | 'screen'> {
  return {
    action: `${baseUrl}${WEBHOOK_PATHS.dial}?${new URLSearchParams({ call: callId, to }).toString()}`,
    screen: screenUrl(baseUrl, callId),
  };
}

/** The screening's URL: its prompt, or (`answer`) where the called person's key press goes. */
export function screenUrl(baseUrl: string, callId: string | undefined, step?: 'answer'): string {
  const query = new URLSearchParams({
    ...(callId ? { call: callId } : {}),
    ...(step ? { step } : {}),
  }).toString();
  return `${baseUrl}${WEBHOOK_PATHS.screen}${query ? `?${query}` : ''}`;
}

/**
 * Say `text`, then dial the bridge's number for at most `timeLimitSeconds` (Twilio's own default
 * is four hours). The called person hears the screening first (<Number url>, run on the called
 * party's end after they answer and before the two are connected:
 * https://www.twilio.com/docs/voice/twiml/number#url), so a voicemail box never takes the call.
 * However the dialled leg ends (busy, no answer, refused at the screening, or hung up after
 * talking), Twilio requests the <Dial action> and the call goes on with its answer
 * (https://www.twilio.com/docs/voice/twiml/dial#action): the caller is never hung up on here.
 */
export function speakAndDial(
  text: string,
  bridge: Bridge,
  voice: ReturnType<typeof voiceFor> = {},
): string {
  const response = new VoiceResponse();
  response.say(voice, speakable(text));
  response
    .dial({
      action: bridge.action,
      timeLimit: bridge.timeLimitSeconds,
      timeout: bridge.ringSeconds,
    })
    .number({ url: bridge.screen }, bridge.number);
  return response.toString();
}

/**
 * What the called person hears: English, as the on-call staff are addressed everywhere. The
 * fallback line's static screening (scripts/lib/fallback-twiml.ts) opens with the same words.
 */
export const SCREENING_LINES = {
  prompt: "Aurora safety line: a worker's call is waiting. Press 1 to accept.",
  goodbye: 'Goodbye.',
} as const;

/** The key that accepts a bridged call. */
export const ACCEPT_DIGIT = '1';

/**
 * The screening: one key press, said twice (a person who answers often talks over the start).
 * A key goes to `answerUrl` (Gather's default input is dtmf, method POST:
 * https://www.twilio.com/docs/voice/twiml/gather); no key at all (a voicemail box, or nobody)
 * falls through to goodbye and <Hangup/>, so the leg ends without ever being connected.
 */
export function screeningPrompt(answerUrl: string): string {
  const response = new VoiceResponse();
  response.gather({ numDigits: 1, action: answerUrl }).say({ loop: 2 }, SCREENING_LINES.prompt);
  response.say(SCREENING_LINES.goodbye);
  response.hangup();
  return response.toString();
}

/** The answer to the screening's key press: empty TwiML connects the two parties, anything else hangs up this leg. */
export function screeningAnswer(digits: string | undefined): string {
  return digits === ACCEPT_DIGIT ? emptyResponse() : speakAndHangUp(SCREENING_LINES.goodbye);
}

/**
 * The most TwiML Twilio takes in one call update (error 32018,
 * https://www.twilio.com/docs/api/errors/32018). Webhook responses may be 64 kB (11750), so
 * speech hints go in those, never in an update.
 */
export const MAX_UPDATE_TWIML_CHARS = 4000;

/** An empty response: what Twilio expects from a status callback. */
export function emptyResponse(): string {
  return new VoiceResponse().toString();
}
