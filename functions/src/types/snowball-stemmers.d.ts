/** snowball-stemmers ships no types: the part Aurora uses. */
declare module 'snowball-stemmers' {
  export function newStemmer(algorithm: string): { stem(word: string): string };
}
