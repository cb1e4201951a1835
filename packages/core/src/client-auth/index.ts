/**
 * How tokenward authenticates to an authorization server (introspection, later the token client).
 *
 * Interim version: only `client_secret_basic` (RFC 6749 §2.3.1). The full set of methods
 * (client_secret_post, private_key_jwt, tls_client_auth, self_signed_tls_client_auth) replaces
 * this file, behind the same two functions.
 *
 * @module
 */
import type { ConfigIssue } from '../errors.ts'
import type { Result } from '../result.ts'

/**
 * The validated client authentication: the method and what it needs. Plain JSON-compatible data,
 * since it is stored with the server config; audit records redact `clientSecret` (see
 * `redactForAudit`) and errors and events never carry it.
 *
 * @example
 * ```ts
 * const auth: ClientAuthentication = { method: 'client_secret_basic', clientSecret: 's3cret' }
 * ```
 */
export interface ClientAuthentication {
  readonly method: 'client_secret_basic'
  readonly clientSecret: string
}

/**
 * What to add to one request to the authorization server.
 *
 * @example
 * ```ts
 * const { headers, form } = await clientAuthenticationFor(auth, { clientId, audience, now: Date.now() })
 * ```
 */
export interface ClientAuthenticationParts {
  readonly headers: Record<string, string>
  readonly form: Record<string, string>
  readonly tls?: { readonly certificate: string; readonly privateKey: string }
}

const maxSecretLength = 4096

/**
 * Checks a `clientAuthentication` config member, naming bad fields under `path`. Secrets never
 * appear in the issues.
 *
 * @example
 * ```ts
 * const r = defineClientAuthentication({ method: 'client_secret_basic', clientSecret: 's3cret' }, 'introspection.clientAuthentication')
 * if (!r.ok) console.log(r.error.map((i) => i.path))
 * ```
 */
export function defineClientAuthentication(input: unknown, path: string): Result<ClientAuthentication, ConfigIssue[]> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, error: [{ path, message: 'must be an object with a method' }] }
  const o = input as Record<string, unknown>
  const issues: ConfigIssue[] = []
  if (o.method !== 'client_secret_basic') {
    issues.push({ path: `${path}.method`, message: 'must be "client_secret_basic" (the other methods are not available in this version)' })
  }
  for (const key of Object.keys(o)) if (key !== 'method' && key !== 'clientSecret') issues.push({ path: `${path}.${key}`, message: 'unknown field' })
  const secret = o.clientSecret
  if (typeof secret !== 'string' || secret.length === 0 || secret.length > maxSecretLength) {
    issues.push({ path: `${path}.clientSecret`, message: `must be a non-empty string of at most ${maxSecretLength} characters` })
  }
  if (issues.length > 0) return { ok: false, error: issues }
  const auth: ClientAuthentication = Object.freeze({ method: 'client_secret_basic' as const, clientSecret: secret as string })
  return { ok: true, value: auth }
}

/**
 * The header fields, form members and TLS client certificate that authenticate one request.
 * `client_secret_basic`: `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))`,
 * each part form-urlencoded first as RFC 6749 §2.3.1 requires.
 *
 * @example
 * ```ts
 * const parts = await clientAuthenticationFor(auth, { clientId: 'api', audience: 'https://as.example', now: Date.now() })
 * // parts.headers.authorization === 'Basic YXBpOnMzY3JldA=='
 * ```
 */
export async function clientAuthenticationFor(
  auth: ClientAuthentication,
  context: { readonly clientId: string; readonly audience: string; readonly now: number },
): Promise<ClientAuthenticationParts> {
  const pair = `${formEncode(context.clientId)}:${formEncode(auth.clientSecret)}`
  return { headers: { authorization: `Basic ${btoa(pair)}` }, form: {} }
}

/** application/x-www-form-urlencoded encoding of one value (spaces as `+`). */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2)
}
