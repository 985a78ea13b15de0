// The keyword rule (docs/api.md, "keyword"): how nick_name, unique_id and signature split into words and how
// words are folded, shared by the index build (the words of a row) and the API (the words of a keyword).

/** Longest accepted keyword, in characters as received, and most words in one keyword. */
export const KEYWORD_MAX_CHARS = 100;
export const KEYWORD_MAX_WORDS = 8;

/** Letters that neither NFKD nor lower-casing fold to plain letters, folded by hand. */
const EXTRA_FOLDS: Readonly<Record<string, string>> = {
  ß: 'ss',
  ı: 'i',
  ø: 'o',
  đ: 'd',
  ł: 'l',
  æ: 'ae',
  œ: 'oe',
  ς: 'σ',
};
const EXTRA = /[ßıøđłæœς]/g;
const MARKS = /\p{M}+/gu;
// Scripts written without spaces between words: each character is a word of its own.
const SINGLE = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}]/u;
const WORD = /[\p{L}\p{N}]+/gu;
const ASCII = /^[\x20-\x7e]*$/;

/** Folds text for comparison: NFKD, combining marks removed, lower case, the EXTRA_FOLDS, then NFC (Hangul
 *  syllables recomposed). */
export function foldText(text: string): string {
  if (ASCII.test(text)) return text.toLowerCase();
  return text
    .normalize('NFKD')
    .replace(MARKS, '')
    .toLowerCase()
    .replace(EXTRA, (c) => EXTRA_FOLDS[c]!)
    .normalize('NFC');
}

/** The folded words of `text`, in order (repeats kept): runs of letters and digits, a Han, Hiragana or Katakana
 *  character being a word on its own. */
export function foldedWords(text: string): string[] {
  const out: string[] = [];
  for (const [run] of foldText(text).matchAll(WORD)) {
    if (!SINGLE.test(run)) {
      out.push(run);
      continue;
    }
    let plain = '';
    for (const c of run) {
      if (SINGLE.test(c)) {
        if (plain) out.push(plain);
        plain = '';
        out.push(c);
      } else plain += c;
    }
    if (plain) out.push(plain);
  }
  return out;
}

/** The words a keyword asks for, fewest that say the same: repeats and words that are a prefix of another
 *  word of the keyword dropped (a row whose word starts with "glowing" also has one starting with "glow"). */
export function keywordWords(keyword: string): string[] {
  const words = [...new Set(foldedWords(keyword))];
  return words.filter((w, i) => !words.some((o, j) => j !== i && o.startsWith(w) && (o !== w || j < i)));
}
