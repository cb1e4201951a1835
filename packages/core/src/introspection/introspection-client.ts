/**
 * The introspection request (RFC 7662 §2.1) over the HTTP POST seam: one form POST authenticated as
 * tokenward's client, and what its HTTP answer means. No cache and no claim rules here (see
 * `decode-response.ts` and the introspect stage).
 *
 * @module
 */
import { clientAuthenticationFor } from '../client-auth/index.ts'
import type { IntrospectionConfig } from '../config/introspection.ts'
import type { AddressPolicy } from '../network/address-policy.ts'
import { HttpGetFailure, type HttpPost, type TrustMode } from '../platform/types.ts'
import type { Result } from '../result.ts'
import { parseIntrospectionBody } from './decode-response.ts'

/** Why an introspection produced no usable answer. */
export type IntrospectionFailureKind =
  /** The AS could not be reached, timed out, failed TLS, answered 5xx/429/3xx, or sent a broken body. */
  | 'unavailable'
  /** The AS refused *our* credentials (401/403): a configuration problem on our side. */
  | 'misconfigured'
  /** The AS answered 400 `unsupported_token_type`: it does not know this kind of token. */
  | 'unsupported_token_type'

/** One exchange with the introspection endpoint. */
export interface IntrospectionExchange {
  /** The HTTP status, when a response came back. */
  readonly status: number | undefined
  readonly latencyMs: number
  readonly result:
    | { readonly ok: true; readonly answer: Readonly<Record<string, unknown>> }
    | { readonly ok: false; readonly kind: IntrospectionFailureKind; readonly message: string; readonly retryAfterSeconds: number | undefined }
}

/** What the client needs besides the config. */
export interface IntrospectionClientOptions {
  /** The `introspection` section, its endpoint known (configured, or filled by discovery). */
  readonly config: IntrospectionConfig & { readonly endpoint: string }
  readonly httpPost: HttpPost
  /** Per-request timeout. Default 5000 ms. */
  readonly timeoutMs?: number | undefined
  /** Largest accepted answer. Default 64 KiB. */
  readonly maxBytes?: number | undefined
  readonly certificateValidation?: boolean | undefined
  readonly trustedCertificates?: readonly string[] | undefined
  /** Which addresses the endpoint may reach (an endpoint a tenant supplied). */
  readonly addressPolicy?: AddressPolicy | undefined
  /** Whether `trustedCertificates` add to the default CAs (`'add'`, default) or replace them (`'only'`). */
  readonly trustMode?: TrustMode | undefined
  /** An `http:` forward proxy (a `CONNECT` tunnel for an `https:` endpoint). */
  readonly proxy?: URL | undefined
  /**
   * With `responseFormat: 'jwt'` (RFC 9701): verifies the signed answer and returns its
   * `token_introspection` member, or why it was refused. Required for that format.
   */
  readonly verifyJwtAnswer?: ((jwt: string, nowMs: number) => Promise<Result<Readonly<Record<string, unknown>>, string>>) | undefined
}

/** Sends one introspection request. Never rejects: every failure is a value. */
export type IntrospectionClient = (token: string, sentAudience: string | undefined, nowMs: number) => Promise<IntrospectionExchange>

/**
 * Builds the introspection client: `POST endpoint` with `token=…&token_type_hint=access_token`
 * (plus `aud` when given), `Accept: application/json` (`application/token-introspection+jwt` with
 * `responseFormat: 'jwt'`, whose answers `verifyJwtAnswer` checks), authenticated as
 * `config.clientId`.
 *
 * @example
 * ```ts
 * const introspect = createIntrospectionClient({ config: server.introspection!, httpPost })
 * const exchange = await introspect(token, undefined, Date.now())
 * if (exchange.result.ok) console.log(exchange.result.answer.active)
 * ```
 */
export function createIntrospectionClient(options: IntrospectionClientOptions): IntrospectionClient {
  const { config, httpPost } = options
  const url = new URL(config.endpoint)
  const timeoutMs = options.timeoutMs ?? 5000
  const maxBytes = options.maxBytes ?? 65_536
  const jwtAnswers = config.responseFormat === 'jwt'
  if (jwtAnswers && options.verifyJwtAnswer === undefined) throw new TypeError('responseFormat "jwt" needs verifyJwtAnswer')
  const accept = jwtAnswers ? 'application/token-introspection+jwt' : 'application/json'
  return async (token, sentAudience, nowMs) => {
    const started = performance.now()
    const latency = () => Math.round((performance.now() - started) * 100) / 100
    const failed = (kind: IntrospectionFailureKind, message: string, status?: number, retryAfterSeconds?: number): IntrospectionExchange => ({
      status,
      latencyMs: latency(),
      result: { ok: false, kind, message, retryAfterSeconds },
    })
    let auth
    try {
      auth = await clientAuthenticationFor(config.clientAuthentication, { clientId: config.clientId, audience: config.endpoint, now: nowMs })
    } catch {
      return failed('misconfigured', 'The client authentication could not be prepared')
    }
    const form = new URLSearchParams({ token, token_type_hint: 'access_token', ...auth.form })
    if (sentAudience !== undefined) form.set('aud', sentAudience)
    let response
    try {
      response = await httpPost({
        url,
        timeoutMs,
        maxBytes,
        certificateValidation: options.certificateValidation ?? true,
        trustedCertificates: options.trustedCertificates,
        addressPolicy: options.addressPolicy,
        ...(options.trustMode === undefined ? {} : { trustMode: options.trustMode }),
        ...(options.proxy === undefined ? {} : { proxy: options.proxy }),
        headers: { ...auth.headers, 'content-type': 'application/x-www-form-urlencoded', accept },
        body: form.toString(),
        clientCertificate: auth.tls,
      })
    } catch (cause) {
      const kind = cause instanceof HttpGetFailure ? cause.kind : 'network'
      return failed('unavailable', `The introspection endpoint could not be reached (${kind})`)
    }
    const { status } = response
    if (status === 200 && jwtAnswers) {
      const text = new TextDecoder().decode(response.body)
      // A plain JSON answer where a signed one is configured: the AS is set up differently from
      // this config (or something in between rewrote the answer). Never trusted, never a 401.
      if (text.trimStart().startsWith('{') || /json/i.test(response.headers.get('content-type') ?? '')) {
        return failed('misconfigured', 'The introspection endpoint answered plain JSON where a JWT answer (RFC 9701) is configured: check introspection.responseFormat and the authorization server', status)
      }
      const verified = await (options.verifyJwtAnswer as NonNullable<IntrospectionClientOptions['verifyJwtAnswer']>)(text, nowMs)
      if (!verified.ok) return failed('unavailable', `The JWT introspection answer was refused: ${verified.error}`, status)
      if (typeof verified.value.active !== 'boolean') return failed('unavailable', 'The JWT introspection answer is malformed: active must be a JSON boolean', status)
      return { status, latencyMs: latency(), result: { ok: true, answer: verified.value } }
    }
    if (status === 200) {
      const parsed = parseIntrospectionBody(response.body)
      if (!parsed.ok) return failed('unavailable', `The introspection answer is malformed: ${parsed.error}`, status)
      return { status, latencyMs: latency(), result: { ok: true, answer: parsed.value } }
    }
    if (status === 401 || status === 403) {
      return failed('misconfigured', `The introspection endpoint refused tokenward's own credentials (HTTP ${status}): check introspection.clientId and clientAuthentication`, status)
    }
    if (status === 400 && errorMember(response.body) === 'unsupported_token_type') {
      return failed('unsupported_token_type', 'The authorization server does not introspect this kind of token', status)
    }
    return failed('unavailable', `The introspection endpoint answered HTTP ${status}`, status, retryAfter(response.headers.get('retry-after'), nowMs))
  }
}

function errorMember(body: Uint8Array): string | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(body))
    return typeof value === 'object' && value !== null && typeof (value as { error?: unknown }).error === 'string' ? (value as { error: string }).error : undefined
  } catch {
    return undefined
  }
}

/** A `Retry-After` (seconds or an HTTP date) as seconds from now, bounded to 1–300. */
function retryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined
  const seconds = /^\d+$/.test(value.trim()) ? Number(value.trim()) : (Date.parse(value) - nowMs) / 1000
  return Number.isFinite(seconds) ? Math.min(300, Math.max(1, Math.ceil(seconds))) : undefined
}
