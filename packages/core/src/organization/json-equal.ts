/**
 * Structural equality of JSON-like values, used to recognise commands that change nothing.
 *
 * @module
 */

/**
 * True when `a` and `b` are the same JSON-like value: same primitives, arrays equal item by item,
 * objects with the same members (in any order; members set to `undefined` count as absent).
 *
 * @example
 * ```ts
 * isJsonEqual({ a: [1, 2], b: undefined }, { a: [1, 2] }) // true
 * isJsonEqual({ a: [1, 2] }, { a: [2, 1] }) // false
 * ```
 */
export function isJsonEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item: unknown, i) => isJsonEqual(item, b[i]))
  }
  const ao = a as Record<string, unknown>
  const bo = b as Record<string, unknown>
  const aKeys = Object.keys(ao).filter((k) => ao[k] !== undefined)
  const bKeys = Object.keys(bo).filter((k) => bo[k] !== undefined)
  return aKeys.length === bKeys.length && aKeys.every((k) => Object.hasOwn(bo, k) && isJsonEqual(ao[k], bo[k]))
}
