/**
 * Targets: an ordered list of alternative origins for one authorization server (PingAccess
 * "targets"). A request that cannot be answered by one origin — connection refused, TLS
 * handshake failure, timeout, or a 5xx — is sent again to the next one; a 4xx (or any other
 * answer) is the server's decision and is never retried elsewhere.
 *
 * @module
 */
import { ConfigError, type ConfigIssue } from '../errors.ts'
import { type HttpGetRequest, type HttpGetResponse, HttpGetFailure } from '../platform/types.ts'
import { err, ok, type Result } from '../result.ts'

/**
 * Checks a `targets` list: each an absolute `https:` (or `http:`) origin with no path, query,
 * fragment or credentials. Duplicates are refused.
 *
 * @example
 * ```ts
 * defineTargets(['https://as-2.example', 'https://as-3.example:8443'], 'targets') // { ok: true, value: [URL, URL] }
 * defineTargets(['https://as-2.example/oauth'], 'targets') // { ok: false, error: [{ path: 'targets[0]', … }] }
 * ```
 */
export function defineTargets(input: unknown, path: string): Result<readonly URL[], ConfigIssue[]> {
  if (!Array.isArray(input)) return err([{ path, message: 'must be an array of origins (https://host[:port])' }])
  const issues: ConfigIssue[] = []
  const origins: URL[] = []
  input.forEach((value: unknown, i) => {
    const at = `${path}[${i}]`
    const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : value instanceof URL ? value : undefined
    if (url === undefined) return void issues.push({ path: at, message: 'must be an absolute origin such as https://as-2.example' })
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return void issues.push({ path: at, message: 'must use https: (or http:)' })
    if (url.username !== '' || url.password !== '') return void issues.push({ path: at, message: 'must not carry credentials' })
    if (url.pathname !== '/' || url.search !== '' || url.hash !== '') return void issues.push({ path: at, message: 'must be an origin only (no path, query or fragment): the endpoint path is kept' })
    if (origins.some((o) => o.origin === url.origin)) return void issues.push({ path: at, message: 'is listed twice' })
    origins.push(new URL(url.origin))
  })
  return issues.length > 0 ? err(issues) : ok(origins)
}

/**
 * What one attempt produced: a response, or the failure it rejected with.
 *
 * @example
 * ```ts
 * const outcome: TargetOutcome = { failure: new HttpGetFailure('network', 'connection refused') }
 * ```
 */
export type TargetOutcome = { readonly response: HttpGetResponse } | { readonly failure: unknown }

/**
 * True when the next origin should be tried: the exchange failed to connect (`network`, `tls`)
 * or timed out, or the server answered 5xx. Never for 4xx, other answers, or failures the next
 * origin could not fix (`too_large`, `unsupported`, `address_not_allowed`, anything unexpected).
 *
 * @example
 * ```ts
 * shouldTryNextTarget({ failure: new HttpGetFailure('timeout', 'timed out') }) // true
 * shouldTryNextTarget({ response: { status: 400, headers, body } })             // false
 * ```
 */
export function shouldTryNextTarget(outcome: TargetOutcome): boolean {
  if ('response' in outcome) return outcome.response.status >= 500 && outcome.response.status <= 599
  const failure = outcome.failure
  return failure instanceof HttpGetFailure && (failure.kind === 'network' || failure.kind === 'tls' || failure.kind === 'timeout')
}

/**
 * Reported when a request moves on to the next origin. URLs carry no credentials or query.
 *
 * @example
 * ```ts
 * withTargets(origins, httpPost, { onEvent: (e: TargetFailoverEvent) => log.warn(`${e.from} → ${e.to}: ${e.reason}`) })
 * ```
 */
export interface TargetFailoverEvent {
  readonly type: 'target_failover'
  /** The origin that could not answer. */
  readonly from: string
  /** The origin tried next. */
  readonly to: string
  /** `HTTP 503`, or the failure kind (`network`, `tls`, `timeout`). */
  readonly reason: string
}

/**
 * Options of {@link withTargets}.
 *
 * @example
 * ```ts
 * const options: WithTargetsOptions = { onEvent: (event) => console.warn(event) }
 * ```
 */
export interface WithTargetsOptions {
  /** Receives a {@link TargetFailoverEvent} per failover. A callback that throws is ignored. */
  readonly onEvent?: ((event: TargetFailoverEvent) => void) | undefined
}

/**
 * Wraps a `send` (an `HttpPost` or `HttpGet`) so that a request goes first to its own URL, then —
 * when {@link shouldTryNextTarget} says so — to the same path and query on each of `origins` in
 * order (an origin equal to the request's is skipped). The last outcome is returned or rethrown
 * as is. Each attempt has the request's own `timeoutMs`, so the worst case is that many times the
 * number of origins. Sending a request again is safe for introspection and the token endpoint.
 * Throws {@link ConfigError} at once when `origins` is not a valid targets list.
 *
 * @example
 * ```ts
 * const post = withTargets(['https://as-2.example', 'https://as-3.example'], platform.httpPost())
 * await post({ url: new URL('https://as-1.example/oauth2/introspect'), … }) // as-1, then as-2, then as-3
 * ```
 */
export function withTargets<R extends HttpGetRequest>(
  origins: readonly (string | URL)[],
  send: (request: R) => Promise<HttpGetResponse>,
  options: WithTargetsOptions = {},
): (request: R) => Promise<HttpGetResponse> {
  const checked = defineTargets(origins, 'targets')
  if (!checked.ok) throw new ConfigError(checked.error)
  const alternatives = checked.value
  const report = (event: TargetFailoverEvent): void => {
    try {
      options.onEvent?.(event)
    } catch {
      // An observer never changes the outcome.
    }
  }
  return async (request) => {
    const urls = [request.url]
    for (const origin of alternatives) {
      if (!urls.some((u) => u.origin === origin.origin)) urls.push(new URL(`${request.url.pathname}${request.url.search}`, origin))
    }
    for (let i = 0; ; i += 1) {
      const url = urls[i] as URL
      let outcome: TargetOutcome
      try {
        outcome = { response: await send({ ...request, url }) }
      } catch (failure) {
        outcome = { failure }
      }
      const next = urls[i + 1]
      if (next === undefined || !shouldTryNextTarget(outcome)) {
        if ('response' in outcome) return outcome.response
        throw outcome.failure
      }
      report({
        type: 'target_failover',
        from: url.origin,
        to: next.origin,
        reason: 'response' in outcome ? `HTTP ${outcome.response.status}` : (outcome.failure as HttpGetFailure).kind,
      })
    }
  }
}
