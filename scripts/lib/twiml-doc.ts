/**
 * TwiML read as Twilio runs it: a list of verbs, each with its attributes, its text and its nested
 * nouns (`<Dial><Conference>`, `<Start><Transcription>`, `<Gather><Say>`). Enough of XML for the
 * documents Aurora's functions write (elements, attributes in double or single quotes, the five
 * predefined entities, the XML declaration and comments); the local Twilio stand-in plays it.
 */

export type TwimlVerb = {
  name: string;
  attrs: Record<string, string>;
  /** The element's own text, entities decoded and trimmed (a <Say>'s words, a <Conference>'s name). */
  text: string;
  children: TwimlVerb[];
};

const decode = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, '&');

const TOKEN =
  /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<\/([\w:-]+)\s*>|<([\w:-]+)((?:\s+[\w:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
const ATTRIBUTE = /([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** The verbs of a TwiML document, in order (the children of <Response>); [] for anything else. */
export function parseTwimlDoc(xml: string): TwimlVerb[] {
  const root: TwimlVerb = { name: '#document', attrs: {}, text: '', children: [] };
  const open: TwimlVerb[] = [root];
  for (const match of xml.matchAll(TOKEN)) {
    const [, closing, name, attributes, selfClosing, text] = match;
    const current = open.at(-1)!;
    if (text !== undefined) current.text += text;
    else if (closing !== undefined) {
      if (open.length > 1 && current.name === closing) open.pop();
    } else if (name !== undefined) {
      const attrs: Record<string, string> = {};
      for (const [, key, double, single] of (attributes ?? '').matchAll(ATTRIBUTE))
        attrs[key!] = decode(double ?? single ?? '');
      const verb: TwimlVerb = { name, attrs, text: '', children: [] };
      current.children.push(verb);
      if (!selfClosing) open.push(verb);
    }
  }
  const tidy = (verb: TwimlVerb): TwimlVerb => ({
    ...verb,
    text: decode(verb.text).replace(/\s+/g, ' ').trim(),
    children: verb.children.map(tidy),
  });
  const response = root.children.find((verb) => verb.name === 'Response');
  return response ? response.children.map(tidy) : [];
}

/** Twilio's boolean attributes: "true" (any case) is true, anything else false. */
export const twimlTrue = (value: string | undefined, otherwise = false) =>
  value === undefined ? otherwise : value.toLowerCase() === 'true';
