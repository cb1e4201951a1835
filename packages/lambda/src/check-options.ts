/**
 * Options are checked when a handler is built, so a wrong one fails at init, not on a request.
 *
 * @module
 */

/** Throws a `TypeError` when `guard` is not a `RequestGuard` or `requiredRoles` is not a list of strings. */
export function checkGuardOptions(name: string, options: { readonly guard?: unknown; readonly requiredRoles?: unknown }): void {
  if (typeof options !== 'object' || options === null || typeof (options.guard as { verifyRequest?: unknown } | undefined)?.verifyRequest !== 'function') {
    throw new TypeError(`${name}: options.guard must be a RequestGuard (a verifier or a registry guard)`)
  }
  const roles = options.requiredRoles
  if (roles !== undefined && !(Array.isArray(roles) && roles.every((r) => typeof r === 'string'))) {
    throw new TypeError(`${name}: options.requiredRoles must be an array of strings`)
  }
}
