/**
 * The audit event of one request to the authorization server (PingAccess "Audit"): which server
 * and endpoint, the HTTP status, latency and outcome, a short token fingerprint and the subject.
 * Never the token, the client secret or an assertion.
 *
 * @module
 */

/**
 * What one introspection request came to.
 *
 * @example
 * ```ts
 * const alarming: IntrospectionOutcome[] = ['unavailable', 'misconfigured']
 * ```
 */
export type IntrospectionOutcome =
  /** Active, and its claims passed. */
  | 'active'
  /** The AS said not active (or does not know this kind of token). */
  | 'inactive'
  /** Active, but a claim rule refused it (expired, another audience, …). */
  | 'refused'
  /** The AS could not answer usefully (down, slow, 5xx, 429, broken body, TLS). */
  | 'unavailable'
  /** The AS refused tokenward's own credentials (401/403): fix the configuration. */
  | 'misconfigured'

/**
 * One request to an authorization server's introspection endpoint.
 *
 * @example
 * ```ts
 * onEvent: (e) => { if (e.type === 'introspection' && e.outcome === 'misconfigured') alert(e.message) }
 * ```
 */
export interface IntrospectionEvent {
  readonly type: 'introspection'
  /** The pipeline stage that made the request. */
  readonly stage: 'introspect'
  readonly authorizationServer: string
  readonly endpointKind: 'introspection'
  /** The endpoint URL. */
  readonly url: string
  /** The HTTP status, when an answer came back. */
  readonly status: number | undefined
  readonly latencyMs: number
  readonly outcome: IntrospectionOutcome
  /** The first 12 hex digits of the token's SHA-256: enough to correlate, useless to replay. */
  readonly tokenFingerprint: string
  /** The `subjectAttributeName` member of an active answer (default `sub`), cut to 256 characters. */
  readonly subject: string | undefined
  /** Why, for failures: the error code or what went wrong. */
  readonly message: string | undefined
}

/**
 * A request to the authorization server moved on to the next of its `targets`: the origin it was
 * sent to could not answer (connection refused, TLS failure, timeout, or a 5xx). Never carries a
 * token, a credential, a path or a query: origins only.
 *
 * @example
 * ```ts
 * onEvent: (e) => { if (e.type === 'target_failover') log.warn(`${e.authorizationServer}: ${e.from} → ${e.to} (${e.reasonClass})`) }
 * ```
 */
export interface ServerTargetFailoverEvent {
  readonly type: 'target_failover'
  readonly authorizationServer: string
  /** Which request failed over. */
  readonly endpointKind: 'introspection'
  /** The origin that could not answer (`https://host[:port]`). */
  readonly from: string
  /** The origin tried next. */
  readonly to: string
  /** Why: a connection failure (`network`), `tls`, `timeout`, or a 5xx answer (`http_5xx`). */
  readonly reasonClass: 'network' | 'tls' | 'timeout' | 'http_5xx'
  /** The detail: `HTTP 503`, or the failure kind. */
  readonly reason: string
}
