/**
 * Strict parsing of a JOSE header or JWT claims set: UTF-8 without a byte order mark, a JSON
 * object at the top, no duplicate member names at any depth (RFC 7515 §4, RFC 7519 §4,
 * RFC 8725 §3.2), and bounded nesting.
 *
 * `JSON.parse` does the parsing; duplicates are found without a second tokenizer. One linear
 * scan counts the `:` separators outside strings, which in valid JSON is exactly the number of
 * members written. `JSON.parse` keeps one own property per distinct (decoded) name in each
 * object, so the parsed tree holds as many properties as were written exactly when no object
 * repeats a name; any repeat makes the tree hold fewer.
 *
 * @module
 */
import { err, ok } from '../result.ts'
import type { Result } from '../result.ts'

/** Deepest nesting of objects and arrays accepted; the top-level object is level 1. */
const maxDepth = 64

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

const quote = 0x22
const backslash = 0x5c
const colon = 0x3a
const openBrace = 0x7b
const closeBrace = 0x7d
const openBracket = 0x5b
const closeBracket = 0x5d
const byteOrderMark = 0xfeff

/** Returned by {@link countWrittenMembers} when the text nests deeper than {@link maxDepth}. */
const tooDeep = -1

/**
 * Parses bytes as one strict UTF-8 JSON object. The error is a short reason meant to follow
 * the name of what was parsed ("The payload " + reason); it never quotes the input.
 *
 * Member names are compared after decoding, so `{"a":1,"\u0061":2}` is a duplicate. A
 * `__proto__` member becomes an ordinary own property (as with `JSON.parse`) and never
 * changes the prototype of the result or of anything else.
 *
 * @example
 * ```ts
 * const bytes = new TextEncoder().encode('{"sub":"alice","sub":"mallory"}')
 * const r = parseStrictJsonObject(bytes)
 * if (!r.ok) console.log(`The payload ${r.error}`) // "The payload has a duplicate member name"
 * ```
 */
export function parseStrictJsonObject(bytes: Uint8Array): Result<Record<string, unknown>, string> {
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    return err('is not valid UTF-8')
  }
  if (text.charCodeAt(0) === byteOrderMark) return err('starts with a byte order mark')
  const written = countWrittenMembers(text)
  if (written === tooDeep) return err(`nests deeper than ${maxDepth} levels`)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return err('is not valid JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return err('is not a JSON object')
  if (countParsedMembers(value) !== written) return err('has a duplicate member name')
  return ok(value as Record<string, unknown>)
}

/**
 * Counts `:` outside strings and checks the nesting depth, in one pass. Exact for valid JSON;
 * for invalid JSON the count is meaningless but `JSON.parse` rejects the text anyway. Depth is
 * exact for every prefix `JSON.parse` could accept, so it never descends deeper than allowed.
 */
function countWrittenMembers(text: string): number {
  let members = 0
  let depth = 0
  const length = text.length
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i)
    if (c === quote) {
      i = endOfString(text, i)
      if (i < 0) break
    } else if (c === colon) {
      members++
    } else if (c === openBrace || c === openBracket) {
      if (++depth > maxDepth) return tooDeep
    } else if (c === closeBrace || c === closeBracket) {
      depth--
    }
  }
  return members
}

/** Index of the quote closing the string opened at `open`, or -1 when it is never closed. */
function endOfString(text: string, open: number): number {
  let close = text.indexOf('"', open + 1)
  while (close !== -1) {
    let before = close - 1
    while (text.charCodeAt(before) === backslash) before--
    // An even run of backslashes escapes itself, so the quote ends the string.
    if ((close - 1 - before) % 2 === 0) return close
    close = text.indexOf('"', close + 1)
  }
  return -1
}

/** Own properties of every object in a parsed tree (depth already bounded by the scan). */
function countParsedMembers(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0
  const children: readonly unknown[] = Array.isArray(value) ? value : Object.values(value)
  let members = Array.isArray(value) ? 0 : children.length
  for (const child of children) if (typeof child === 'object') members += countParsedMembers(child)
  return members
}
