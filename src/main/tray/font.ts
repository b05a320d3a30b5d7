/**
 * A 3×7 pixel font for the tray figure: digits, '.', 'G' and '-'. Each glyph is seven rows of '#'/'.' strings,
 * all rows of one glyph the same width ('.' is one column wide so "1.5" fits 16 pixels, "999G" takes 15). Seven
 * rows rather than the 3×5 it replaced: the figure is 40 % taller, and 3, 8 and 9 or 0 and 8, which differed in one
 * or two pixels at 3×5, differ in more.
 */
export const GLYPH_HEIGHT = 7;

export const GLYPHS: Readonly<Record<string, readonly string[]>> = {
  '0': ['###', '#.#', '#.#', '#.#', '#.#', '#.#', '###'],
  '1': ['.#.', '##.', '.#.', '.#.', '.#.', '.#.', '###'],
  '2': ['###', '..#', '..#', '###', '#..', '#..', '###'],
  '3': ['###', '..#', '..#', '.##', '..#', '..#', '###'],
  '4': ['#.#', '#.#', '#.#', '###', '..#', '..#', '..#'],
  '5': ['###', '#..', '#..', '###', '..#', '..#', '###'],
  '6': ['###', '#..', '#..', '###', '#.#', '#.#', '###'],
  '7': ['###', '..#', '..#', '.#.', '.#.', '.#.', '.#.'],
  '8': ['###', '#.#', '#.#', '###', '#.#', '#.#', '###'],
  '9': ['###', '#.#', '#.#', '###', '..#', '..#', '###'],
  '.': ['.', '.', '.', '.', '.', '.', '#'],
  G: ['###', '#..', '#..', '#.#', '#.#', '#.#', '###'],
  '-': ['...', '...', '...', '###', '...', '...', '...'],
};

/** Width in font pixels of `text` with one blank column between glyphs. Unknown characters throw. */
export function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const glyph = GLYPHS[ch];
    if (!glyph) throw new RangeError(`no glyph for ${JSON.stringify(ch)}`);
    width += glyph[0].length;
  }
  return text.length === 0 ? 0 : width + text.length - 1;
}
