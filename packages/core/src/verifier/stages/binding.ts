/**
 * The binding stage: between token verification (JWT or introspect) and authorization, a
 * sender-constrained token (`cnf`) must be proven by the request — a DPoP proof made with the key
 * of `cnf.jkt` (RFC 9449) or the client certificate of `cnf["x5t#S256"]` (RFC 8705). It runs on
 * every request, cache hit or not: a proof is per request.
 *
 * The stage is active when the server checks sender constraints (a `dpop.mode` other than `off`,
 * or an `mtls` section). Otherwise a `cnf` token stays refused by the claim rules (`token_bound`)
 * and this stage costs nothing.
 *
 * @module
 */
import type { AuthorizationServerConfig } from '../../config/authorization-server.ts'
import { createDpopNonces, type DpopNonces } from '../../dpop/dpop-nonce.ts'
import { createDpopKeyMemo, type DpopKeyMemo } from '../../dpop/verify-dpop-proof.ts'
import type { VerificationError } from '../../errors.ts'
import type { TokenRequest } from '../../http/bearer.ts'
import type { SignatureProvider } from '../../platform/types.ts'
import type { CredentialScheme } from '../../request/credentials.ts'
import type { Result } from '../../result.ts'
import { checkSenderConstraint, type SenderConstraint } from '../../sender-constraint/check-sender-constraint.ts'
import { createMemoryReplayStore, type ReplayStore } from '../../state/replay-store.ts'

/** True when the server checks sender constraints, so the binding stage runs (and `cnf` is its to check). */
export function checksSenderConstraints(server: Pick<AuthorizationServerConfig, 'dpop' | 'mtls'>): boolean {
  return (server.dpop !== undefined && server.dpop.mode !== 'off') || server.mtls !== undefined
}

/** What the binding stage needs to know about the request a token came with. */
export interface BindingRequest {
  /** The request, or `undefined` for a token verified on its own (`verify(token)`): no proof, no certificate. */
  readonly request: TokenRequest | undefined
  readonly scheme: CredentialScheme
  readonly token: string
}

/** The binding stage of one verifier: one replay store, one nonce source, one DPoP key memo. */
export type BindingStage = (input: BindingRequest, cnf: unknown, nowMs: number) => Promise<Result<SenderConstraint, VerificationError>>

const noRequest: TokenRequest = Object.freeze({ method: 'GET', url: 'about:blank', headers: Object.freeze({}) })

/**
 * Builds the binding stage of a verifier whose server checks sender constraints.
 *
 * @param replayStore The store DPoP proof identifiers are remembered in (default: a bounded in-memory one, per verifier).
 */
export function createBindingStage(server: AuthorizationServerConfig, signature: SignatureProvider, replayStore?: ReplayStore): BindingStage {
  const store = replayStore ?? createMemoryReplayStore()
  const nonces: DpopNonces | undefined = server.dpop?.requireNonce === true ? createDpopNonces({ secrets: server.dpop.nonceSecrets }) : undefined
  const keyMemo: DpopKeyMemo = createDpopKeyMemo(1024)
  const config = { dpop: server.dpop, mtls: server.mtls }
  return (input, cnf, nowMs) => {
    const request = input.request ?? noRequest
    return checkSenderConstraint({
      config,
      request: { method: request.method, url: request.url, headers: request.headers, clientCertificate: request.clientCertificate, clientCertificateThumbprint: request.clientCertificateThumbprint },
      scheme: input.scheme,
      accessToken: input.token,
      cnf,
      now: Math.floor(nowMs / 1000),
      replayStore: store,
      signature,
      nonces,
      keyMemo,
    })
  }
}
