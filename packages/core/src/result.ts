/**
 * The value-or-error type the pure functions return: rules never throw.
 *
 * @module
 */

/** Success or failure as a plain value. */
export type Result<A, E> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: E }

/**
 * Wraps a success.
 *
 * @example
 * ```ts
 * const r = ok(42) // { ok: true, value: 42 }
 * ```
 */
export const ok = <A>(value: A): { readonly ok: true; readonly value: A } => ({ ok: true, value })

/**
 * Wraps a failure.
 *
 * @example
 * ```ts
 * const r = err(new MissingTokenError('no token')) // { ok: false, error }
 * ```
 */
export const err = <E>(error: E): { readonly ok: false; readonly error: E } => ({ ok: false, error })
