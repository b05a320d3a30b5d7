/**
 * An FFmpeg filter graph (`-vf`, `-af`, `-filter_complex`, a `-f lavfi` input) split into its filters as FFmpeg
 * itself splits it, so the access rules (command.ts, anonymous-profile.ts) judge the filters FFmpeg will create, not
 * what a regex sees. Pure; bad input throws only ProcessConfigError.
 *
 * Security guard: the split follows libavfilter's graphparser.c and libavutil's `av_get_token` (FFmpeg 4 to 7): a
 * graph is chains separated by `;`, a chain filters separated by `,`, a filter `[in]…NAME[@ID][=ARGS][out]…`; the
 * name and the arguments are tokens where `\` escapes the next character and `'…'` quotes. The arguments are then
 * split as `process_options`/`av_opt_get_key_value` do: `KEY=VALUE` pairs or positional values separated by `:`,
 * with a second level of the same escaping. Where this parser and FFmpeg could disagree (a leading `sws_flags=`, an
 * unbalanced label), it refuses.
 */
import { ProcessConfigError } from './config.ts';

/** One argument of a filter: `key=value`, or a positional value (`key` null: FFmpeg gives it to the next option in order). */
export interface FilterArg {
  key: string | null;
  value: string;
}

/** One filter of a graph: its name (without `@instance`) and its arguments. */
export interface FilterUse {
  name: string;
  args: FilterArg[];
}

const WHITESPACE = ' \n\t\r';
const MAX_FILTERS = 256;

/** `av_get_token`: skips leading whitespace, unescapes `\x` and `'…'`, stops at a `term` character, trims trailing unescaped whitespace. */
function getToken(text: string, at: number, term: string): { token: string; next: number } {
  let i = at;
  while (i < text.length && WHITESPACE.includes(text[i])) i++;
  let out = '';
  let end = 0; // length of `out` that trailing-whitespace trimming must keep (escaped or quoted characters)
  while (i < text.length && !term.includes(text[i])) {
    const c = text[i++];
    if (c === '\\' && i < text.length) {
      out += text[i++];
      end = out.length;
    } else if (c === "'") {
      while (i < text.length && text[i] !== "'") out += text[i++];
      if (i < text.length) {
        i++;
        end = out.length;
      }
    } else out += c;
  }
  let keep = out.length;
  while (keep > end && WHITESPACE.includes(out[keep - 1])) keep--;
  return { token: out.slice(0, keep), next: i };
}

function skipSpace(text: string, at: number): number {
  let i = at;
  while (i < text.length && WHITESPACE.includes(text[i])) i++;
  return i;
}

/** `[label]` runs (inputs or outputs of a filter); returns the index after them. */
function skipLabels(text: string, at: number, where: string): number {
  let i = skipSpace(text, at);
  while (text[i] === '[') {
    // graphparser.c's parse_link_name: the label is a token up to an unescaped, unquoted `]`.
    const label = getToken(text, i + 1, ']');
    if (text[label.next] !== ']') throw new ProcessConfigError(`${where}: the filter graph has a "[" without "]"`);
    i = skipSpace(text, label.next + 1);
  }
  return i;
}

/** A key as `get_key` reads it: letters, digits, `-`, `_`, `/`, `.`, then (after whitespace) `=`; else null (positional). */
function keyOf(text: string, at: number): { key: string; next: number } | null {
  let i = skipSpace(text, at);
  const start = i;
  while (i < text.length && /[A-Za-z0-9_\-/.]/.test(text[i])) i++;
  const key = text.slice(start, i);
  i = skipSpace(text, i);
  if (text[i] !== '=') return null;
  return { key, next: i + 1 };
}

/** A filter's argument text (already unescaped once) split into its `key=value` and positional values. */
export function splitFilterArgs(args: string): FilterArg[] {
  const out: FilterArg[] = [];
  let i = 0;
  while (i < args.length) {
    const k = keyOf(args, i);
    const { token, next } = getToken(args, k === null ? i : k.next, ':');
    out.push({ key: k === null ? null : k.key, value: token });
    i = next < args.length ? next + 1 : next;
  }
  return out;
}

/**
 * The filters of a graph, in order. Throws ProcessConfigError (naming `where`) when the text is not a graph FFmpeg
 * would parse the same way.
 */
export function parseFilterGraph(text: string, where: string): FilterUse[] {
  if (/^\s*sws_flags\s*=/.test(text)) throw new ProcessConfigError(`${where}: "sws_flags=" at the start of a filter graph is not supported here (give -sws_flags)`);
  const filters: FilterUse[] = [];
  let i = 0;
  for (;;) {
    i = skipLabels(text, i, where);
    const name = getToken(text, i, '=,;[');
    i = name.next;
    let args = '';
    if (text[i] === '=') {
      const a = getToken(text, i + 1, '[],;');
      args = a.token;
      i = a.next;
    }
    const bare = name.token.split('@')[0];
    if (!/^[A-Za-z0-9_]+$/.test(bare)) throw new ProcessConfigError(`${where}: "${name.token.slice(0, 40)}" is not a filter name`);
    filters.push({ name: bare, args: splitFilterArgs(args) });
    if (filters.length > MAX_FILTERS) throw new ProcessConfigError(`${where}: the filter graph has more than ${MAX_FILTERS} filters`);
    i = skipLabels(text, i, where);
    if (i >= text.length) return filters;
    const sep = text[i++];
    if (sep !== ',' && sep !== ';') throw new ProcessConfigError(`${where}: the filter graph cannot be read near "${text.slice(i - 1, i + 19)}"`);
  }
}
