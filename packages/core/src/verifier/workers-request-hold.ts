/**
 * Cloudflare Workers cancels a request as hung ("would never generate a response", a 500) when it
 * waits on a promise and has no I/O or timer of its own pending. A verifier shares work between
 * requests — its runtime's first build, one JWKS fetch or introspection call that every request
 * arriving meanwhile awaits — so in workerd the waiting requests, whose answer depends on I/O
 * another request started, were all cancelled on a cold isolate's first burst (through
 * `@tokenward/web` and the registry's admin API alike). Holding a timer in the waiting request's
 * own context keeps it alive until the shared work settles; workerd then delivers the result
 * across request contexts. Other runtimes have no such rule, so nothing is held there. Only the
 * engine's slow path (work to wait for) runs through here; the synchronous fast path does not.
 *
 * @module
 */

/** Workers' `navigator.userAgent`, fixed by the runtime. */
const onWorkers = (globalThis as { readonly navigator?: { readonly userAgent?: unknown } }).navigator?.userAgent === 'Cloudflare-Workers'

/** The longest a request is held open for shared work; past it workerd may cancel it as before. */
const holdMs = 60_000

/**
 * Runs `work`, holding the current Workers request open until it settles (elsewhere: just runs it).
 *
 * @example
 * ```ts
 * const token = await whileRequestHeldOpen(() => runtime.runPromise(verify))
 * ```
 */
export async function whileRequestHeldOpen<T>(work: () => Promise<T>): Promise<T> {
  if (!onWorkers) return work()
  const hold = setTimeout(() => undefined, holdMs)
  try {
    return await work()
  } finally {
    clearTimeout(hold)
  }
}
