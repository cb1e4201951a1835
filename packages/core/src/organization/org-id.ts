/**
 * The one rule for organization IDs: the resolver that reads them from requests, every store that
 * keeps organizations (in memory, files, a database) and the admin API all accept exactly the
 * same IDs, so an ID a store refuses is refused at the door (400) instead of failing deeper.
 *
 * IDs are case-sensitive and must be lowercase: `Acme` is refused rather than folded, so `Acme`
 * and `acme` can never name two organizations (or one file on a case-insensitive file system).
 *
 * @module
 */

const orgIdSyntax = /^[a-z0-9._-]{1,128}$/
// Windows reserves these names in every directory, with or without an extension (`con.json`).
const windowsDeviceName = /^(?:con|prn|aux|nul|com[1-9]|lpt[1-9])(?:\.|$)/

/**
 * The longest organization ID accepted.
 *
 * @example
 * ```ts
 * checkOrgId('x'.repeat(maxOrgIdLength + 1)) // 'must be 1 to 128 characters long'
 * ```
 */
export const maxOrgIdLength = 128

/**
 * Why a value cannot be an organization ID, or `undefined` when it can: 1–128 lowercase letters,
 * digits, `-`, `_` and `.`; not `.` or `..`; not ending in `.` (Windows drops a trailing dot, so
 * `acme.` would be `acme`); not a Windows device name (`con`, `prn`, `aux`, `nul`, `com1`–`com9`,
 * `lpt1`–`lpt9`, also with an extension such as `nul.json`). Such IDs are safe as a single path
 * segment in a URL and as a file name on every platform. Uppercase letters are refused, never
 * folded: IDs differing only by case cannot coexist.
 *
 * @example
 * ```ts
 * checkOrgId('acme-42') // undefined
 * checkOrgId('Acme') // 'must be lowercase'
 * checkOrgId('../etc') // 'may contain only lowercase letters, digits, "-", "_" and "."'
 * checkOrgId('com1') // 'must not be a Windows device name (con, prn, aux, nul, com1–9, lpt1–9)'
 * ```
 */
export function checkOrgId(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string'
  if (value.length === 0 || value.length > maxOrgIdLength) return `must be 1 to ${maxOrgIdLength} characters long`
  if (!orgIdSyntax.test(value)) {
    return /^[A-Za-z0-9._-]+$/.test(value) ? 'must be lowercase' : 'may contain only lowercase letters, digits, "-", "_" and "."'
  }
  if (value === '.' || value === '..') return 'must not be "." or ".."'
  if (value.endsWith('.')) return 'must not end with "."'
  if (windowsDeviceName.test(value)) return 'must not be a Windows device name (con, prn, aux, nul, com1–9, lpt1–9)'
  return undefined
}

/**
 * Whether a value is an organization ID (see {@link checkOrgId}).
 *
 * @example
 * ```ts
 * isOrgId('acme') // true
 * isOrgId('nul.json') // false
 * ```
 */
export function isOrgId(value: unknown): value is string {
  return checkOrgId(value) === undefined
}
