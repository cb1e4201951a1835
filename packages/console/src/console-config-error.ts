/**
 * The console's one configuration error.
 *
 * @module
 */

/**
 * One bad option of `createAdminConsole`, named by its path.
 *
 * @example
 * ```ts
 * const issue: ConsoleConfigIssue = { path: 'adminApiBase', message: 'must be a path starting with "/"' }
 * ```
 */
export interface ConsoleConfigIssue {
  readonly path: string
  readonly message: string
}

/**
 * Thrown by `createAdminConsole` when its options are bad, naming every bad one by path.
 *
 * @example
 * ```ts
 * try {
 *   createAdminConsole({ adminApiBase: 'admin' })
 * } catch (error) {
 *   if (error instanceof ConsoleConfigError) console.error(error.issues) // [{ path: 'adminApiBase', … }]
 * }
 * ```
 */
export class ConsoleConfigError extends Error {
  readonly _tag = 'ConsoleConfigError' as const
  readonly code = 'invalid_config' as const
  /** A configuration mistake is the server's fault. */
  readonly status = 500 as const
  readonly issues: readonly ConsoleConfigIssue[]
  constructor(issues: readonly ConsoleConfigIssue[]) {
    super(`Invalid admin console options: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`)
    this.name = 'ConsoleConfigError'
    this.issues = issues
  }
}
