/**
 * What JSON.parse hides about a top-level object: how often each key occurred (it keeps the last silently) and
 * the source text of a value (it rounds numbers: `1.10` becomes 1.1, `2.9999999999999999` becomes 3). Only
 * called on text JSON.parse has already accepted, so it never has to recover from malformed input; it walks
 * the text once, iteratively (no recursion however deep the nesting), and decodes only key names.
 */
export interface KeyOccurrence {
  /** How many times the key occurred at the top level. */
  readonly count: number;
  /** Source text of the value of its last occurrence (the one JSON.parse kept). */
  readonly source: string;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function skipSpace(text: string, at: number): number {
  let i = at;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** Index just past the string literal starting at `at` (a `"`). */
function skipString(text: string, at: number): number {
  let i = at + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote < 0) return text.length;
    let backslashes = 0;
    for (let j = quote - 1; j > at && text.charCodeAt(j) === 0x5c; j--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}

/** Index just past the value starting at `at`: a string, a number or literal, or a nested object or array. */
function skipValue(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first === 0x22) return skipString(text, at);
  if (first !== 0x7b && first !== 0x5b) {
    let i = at;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x2c || c === 0x7d || c === 0x5d || isSpace(c)) break;
      i++;
    }
    return i;
  }
  let depth = 0;
  let i = at;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = skipString(text, i);
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return i;
}

/**
 * The occurrences of `names` among the top-level keys of `text`, a JSON object JSON.parse accepted. Key names
 * are compared decoded, so `"\u0069p"` counts as `ip`, as JSON.parse would have it.
 */
export function scanTopLevel(text: string, names: ReadonlySet<string>): Map<string, KeyOccurrence> {
  const found = new Map<string, KeyOccurrence>();
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== 0x7b) return found;
  i++;
  while (i < text.length) {
    i = skipSpace(text, i);
    if (text.charCodeAt(i) !== 0x22) break; // `}`: the end
    const keyEnd = skipString(text, i);
    const literal = text.slice(i, keyEnd);
    const key = literal.includes("\\") ? (JSON.parse(literal) as string) : literal.slice(1, -1);
    i = skipSpace(text, skipSpace(text, keyEnd) + 1); // past the colon
    const valueEnd = skipValue(text, i);
    if (names.has(key)) {
      found.set(key, { count: (found.get(key)?.count ?? 0) + 1, source: text.slice(i, valueEnd) });
    }
    i = skipSpace(text, valueEnd);
    if (text.charCodeAt(i) !== 0x2c) break; // not a comma: `}`
    i++;
  }
  return found;
}

/**
 * Whether a text could hold one of `names` twice as a key: without a backslash (an escape may spell a key
 * differently) a key `"ip"` appears literally, so one literal occurrence means at most one key. The common case
 * costs a few indexOf calls; the scan runs only when this says it must. The quoted names are made once, here:
 * made on every call they were a tenth of the transform's garbage.
 */
export function repeatedKeyCheck(names: Iterable<string>): (text: string) => boolean {
  const quotedNames = [...names].map((name) => `"${name}"`);
  return (text) => {
    if (text.includes("\\")) return true;
    for (const quoted of quotedNames) {
      const first = text.indexOf(quoted);
      if (first >= 0 && text.indexOf(quoted, first + quoted.length) >= 0) return true;
    }
    return false;
  };
}
