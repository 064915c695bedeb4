/**
 * Nesting limits on untrusted JSON, checked without recursion: `JSON.stringify`
 * and every recursive walk overflow the stack on input nested a few thousand
 * levels deep (a 10 KB body), and `JSON.parse` spends seconds on a megabyte of
 * brackets. Both checks here are loops with an explicit depth, so no input can
 * drive them past the stack. Pure functions, no AWS SDK.
 */

/** Path segments of a JSON location: object keys and array indexes. */
export type JsonPath = (string | number)[];

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;

/**
 * Scans JSON text (before parsing it) for containers nested deeper than `max`.
 * Returns where the limit is first crossed, as the path of its first `keep`
 * segments (enough to name the field, e.g. `events[2].metadata`), or undefined
 * when the text stays within the limit. Malformed text is not diagnosed here:
 * `JSON.parse` does that afterwards.
 */
export function nestingOverflow(text: string, max: number, keep = 3): JsonPath | undefined {
  // For the outer `keep` levels: whether the container is an array, and the key or index being read.
  const isArray: boolean[] = [];
  const segment: (string | number)[] = [];
  let depth = 0;
  let lastString = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
      // Only keys of the outer levels are ever reported: decode just those.
      if (depth >= 1 && depth <= keep && !isArray[depth]) lastString = text.slice(start, i + 1);
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth++;
      if (depth > max) return segment.slice(1, Math.min(depth, keep + 1));
      if (depth <= keep) {
        isArray[depth] = c === OPEN_ARRAY;
        segment[depth] = c === OPEN_ARRAY ? 0 : '';
      }
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    } else if (depth >= 1 && depth <= keep) {
      if (c === COMMA && isArray[depth]) segment[depth] = (segment[depth] as number) + 1;
      else if (c === COLON && !isArray[depth]) segment[depth] = decodeKey(lastString);
    }
  }
  return undefined;
}

function decodeKey(quoted: string): string {
  try {
    return String(JSON.parse(quoted));
  } catch {
    return quoted;
  }
}

/**
 * Whether a parsed JSON value nests containers deeper than `max` levels, the
 * value itself counting as level 1 (`{}` is 1 deep, `{"a": []}` 2). Iterative.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  while (stack.length) {
    const { value: node, depth } = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}
