/**
 * The binding stage's one entry: does this request prove it may use this token? Decides the
 * scheme rules of the server's DPoP mode (RFC 9449 §7), checks the DPoP proof and that its key is
 * the token's `cnf.jkt`, checks the client certificate against `cnf["x5t#S256"]` (RFC 8705 §3),
 * refuses a `cnf` it does not understand, and only then remembers the proof's `jti` in the replay
 * store. A store that cannot answer gives 503 `replay_unavailable` (fail closed).
 *
 * @module
 */
import { defaultDpopConfig, type DpopConfig } from '../config/dpop.ts'
import { defaultMtlsConfig, type MtlsConfig } from '../config/mtls.ts'
import { BindingError, InvalidDpopProofError, ReplayUnavailableError, type VerificationError } from '../errors.ts'
import type { HeadersInput } from '../http/bearer.ts'
import { constantTimeEqual } from '../jose/jwk-thumbprint.ts'
import type { DpopNonces } from '../dpop/dpop-nonce.ts'
import { verifyDpopProof, type DpopKeyMemo } from '../dpop/verify-dpop-proof.ts'
import { certificateThumbprint, type PresentedCertificate } from '../mtls/client-certificate.ts'
import type { SignatureProvider } from '../platform/types.ts'
import type { CredentialScheme } from '../request/credentials.ts'
import { err, ok, type Result } from '../result.ts'
import type { ReplayStore } from '../state/replay-store.ts'

/**
 * How a token was bound, once the request proved it: by a DPoP key, by a client certificate
 * (`x5t#S256`), or `null` for a bearer token. A token bound both ways reports the DPoP key and
 * the certificate.
 *
 * @example
 * ```ts
 * const binding: SenderBinding = { type: 'dpop', jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' }
 * ```
 */
export type SenderBinding =
  | { readonly type: 'dpop'; readonly jkt: string; readonly 'x5t#S256'?: string | undefined }
  | { readonly type: 'mtls'; readonly 'x5t#S256': string }
  | null

/**
 * The request as the binding stage reads it.
 *
 * @example
 * ```ts
 * const request: SenderConstraintRequest = { method: 'GET', url: 'https://api.example.com/orders', headers: req.headers, clientCertificate: pem }
 * ```
 */
export interface SenderConstraintRequest {
  readonly method: string
  /** The absolute URL the client called (see `defineRequestUrl`). */
  readonly url: string
  readonly headers: HeadersInput
  /** The TLS client certificate, when the adapter knows one (PEM, DER or `{ raw }`). */
  readonly clientCertificate?: PresentedCertificate | undefined
  /** The certificate's `x5t#S256` when only a hash of it is known (read only without `clientCertificate`). */
  readonly clientCertificateThumbprint?: string | undefined
}

/**
 * Input of {@link checkSenderConstraint}.
 *
 * @example
 * ```ts
 * const input: SenderConstraintInput = { config: server, request, scheme: 'DPoP', accessToken, cnf: claims.cnf, now, replayStore, signature: webSignatureProvider }
 * ```
 */
export interface SenderConstraintInput {
  /** The server's `dpop` and `mtls` sections (an `AuthorizationServerConfig` fits); absent sections take their defaults. */
  readonly config: { readonly dpop?: DpopConfig | undefined; readonly mtls?: MtlsConfig | undefined }
  readonly request: SenderConstraintRequest
  /** The scheme of the `Authorization` header. */
  readonly scheme: CredentialScheme
  readonly accessToken: string
  /** The verified token's `cnf` claim (`undefined` when it has none). */
  readonly cnf: unknown
  /** The current time, in seconds since the epoch. */
  readonly now: number
  readonly replayStore: ReplayStore
  readonly signature: SignatureProvider
  /** The nonce maker; required when the server's `dpop.requireNonce` is set. */
  readonly nonces?: DpopNonces | undefined
  /** Checked proof headers and imported keys by client key, kept by the caller between requests. */
  readonly keyMemo?: DpopKeyMemo | undefined
}

/**
 * What a request that passed the binding stage carries on: its binding, and a fresh nonce to send
 * (`DPoP-Nonce`) when the one it used is about to expire.
 *
 * @example
 * ```ts
 * const accepted: SenderConstraint = { binding: null }
 * ```
 */
export interface SenderConstraint {
  readonly binding: SenderBinding
  readonly nonce?: string | undefined
}

const refuse = (message: string, claim?: string) => err(new BindingError(message, claim === undefined ? {} : { claim }))

/**
 * Checks that a request may use its (already verified) access token: the stage between token
 * verification and authorization. Values, not throws, for every refusal and outage.
 *
 * @example
 * ```ts
 * const r = await checkSenderConstraint({
 *   config: server, request, scheme: credentials.scheme, accessToken: credentials.token, cnf: claims.cnf,
 *   now: Math.floor(Date.now() / 1000), replayStore, signature: webSignatureProvider, nonces,
 * })
 * if (!r.ok) return renderSenderConstraintChallenge(r.error, { dpopMode: server.dpop?.mode, scheme: credentials.scheme })
 * ```
 */
export async function checkSenderConstraint(input: SenderConstraintInput): Promise<Result<SenderConstraint, VerificationError>> {
  const dpop = input.config.dpop ?? defaultDpopConfig
  const mtls = input.config.mtls ?? defaultMtlsConfig
  const { cnf, scheme } = input

  let jkt: string | undefined
  let x5t: string | undefined
  if (cnf !== undefined) {
    if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) return refuse('The token has a cnf claim that is not an object', 'cnf')
    const member = (name: string): unknown => (Object.hasOwn(cnf, name) ? (cnf as Record<string, unknown>)[name] : undefined)
    const jktValue = member('jkt')
    const x5tValue = member('x5t#S256')
    if (jktValue !== undefined && (typeof jktValue !== 'string' || jktValue.length === 0)) return refuse('The token has a cnf.jkt that is not a string', 'cnf.jkt')
    if (x5tValue !== undefined && (typeof x5tValue !== 'string' || x5tValue.length === 0)) return refuse('The token has a cnf["x5t#S256"] that is not a string', 'cnf.x5t#S256')
    jkt = jktValue as string | undefined
    x5t = x5tValue as string | undefined
    if (jkt === undefined && x5t === undefined) {
      return refuse('The token is bound by a confirmation method tokenward does not support (it has a cnf claim without jkt or x5t#S256)', 'cnf')
    }
  }

  // Scheme rules (RFC 9449 §7.1, §7.2), per the server's DPoP mode.
  if (jkt !== undefined) {
    if (scheme !== 'DPoP') return refuse('The token is DPoP-bound; it must be sent with the DPoP scheme and a proof, not as a bearer token', 'cnf.jkt')
    if (dpop.mode === 'off') return refuse('This server does not accept DPoP-bound tokens', 'cnf.jkt')
  } else {
    if (scheme === 'DPoP') return refuse('The token is not DPoP-bound; send it with the Bearer scheme', 'cnf.jkt')
    if (dpop.mode === 'required') return refuse('This server accepts only DPoP-bound tokens', 'cnf.jkt')
  }
  if (x5t === undefined && mtls.mode === 'required') return refuse('This server accepts only certificate-bound tokens', 'cnf.x5t#S256')

  let proof: { readonly jkt: string; readonly replayKey: string; readonly replayTtlSeconds: number; readonly expiringNonce: boolean } | undefined
  if (jkt !== undefined) {
    const verified = await verifyDpopProof(input.request, { config: dpop, accessToken: input.accessToken, now: input.now, signature: input.signature, nonces: input.nonces, keyMemo: input.keyMemo })
    if (!verified.ok) return verified
    if (!constantTimeEqual(verified.value.jkt, jkt)) return refuse('The DPoP proof was made with another key than the one the token is bound to', 'cnf.jkt')
    proof = { ...verified.value, expiringNonce: verified.value.nonce === 'expiring' }
  }

  if (x5t !== undefined) {
    const { clientCertificate, clientCertificateThumbprint } = input.request
    const presented = clientCertificate !== undefined ? await certificateThumbprint(clientCertificate) : wellFormedThumbprint(clientCertificateThumbprint)
    if (presented === undefined) return refuse('The token is certificate-bound and the request came with no client certificate', 'cnf.x5t#S256')
    if (!constantTimeEqual(presented, x5t)) return refuse('The token is bound to another client certificate', 'cnf.x5t#S256')
  }

  // Only now, with every other check passed, is the proof's jti spent.
  let nonce: string | undefined
  if (proof !== undefined) {
    let verdict: 'fresh' | 'replayed'
    try {
      verdict = await input.replayStore.remember(proof.replayKey, proof.replayTtlSeconds)
    } catch (cause) {
      const retry = (cause as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds
      return err(new ReplayUnavailableError('The replay store could not say whether this DPoP proof was used before', { cause, retryAfterSeconds: typeof retry === 'number' ? retry : 5 }))
    }
    if (verdict !== 'fresh') return err(new InvalidDpopProofError('The DPoP proof was already used', { claim: 'jti' }))
    if (proof.expiringNonce && input.nonces !== undefined) nonce = await input.nonces.issue(input.now)
  }

  const binding: SenderBinding = proof !== undefined ? { type: 'dpop', jkt: jkt!, ...(x5t === undefined ? {} : { 'x5t#S256': x5t }) } : x5t !== undefined ? { type: 'mtls', 'x5t#S256': x5t } : null
  return ok(nonce === undefined ? { binding } : { binding, nonce })
}

/** A base64url SHA-256 (43 characters), or `undefined`. */
function wellFormedThumbprint(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined
}
