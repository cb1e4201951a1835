/**
 * The organization IDs a store accepts. The same rule holds for every store, so data can move
 * between the in-memory store, the file store and any other implementation.
 *
 * @module
 */

const orgIdPattern = /^[A-Za-z0-9._-]{1,128}$/

/**
 * Why a value cannot be used as an organization ID in a store, or `undefined` when it can: 1–128
 * letters, digits, `-`, `_` and `.`, and not `.` or `..`. These IDs are safe as file names on
 * every platform's path syntax (no separators, no traversal).
 *
 * @example
 * ```ts
 * checkOrgId('acme-42') // undefined
 * checkOrgId('../etc') // 'may contain only letters, digits, "-", "_" and "."'
 * ```
 */
export function checkOrgId(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string'
  if (value.length === 0 || value.length > 128) return 'must be 1 to 128 characters long'
  if (!orgIdPattern.test(value)) return 'may contain only letters, digits, "-", "_" and "."'
  if (value === '.' || value === '..') return 'must not be "." or ".."'
  return undefined
}
