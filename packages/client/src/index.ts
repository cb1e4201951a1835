/**
 * `@tokenward/client`: OAuth 2.0 client credentials for outbound API calls. A token client that
 * authenticates with `@tokenward/core`'s client authentication (client secrets, `private_key_jwt`,
 * mutual TLS), caches tokens per (scope, resource) with early refresh, rides out brief outages,
 * retries with bounded backoff, and binds tokens to a DPoP key.
 *
 * @module
 */
export { createTokenClient, type GetTokenOptions, type TokenClient, type TokenClientEvent, type TokenClientOptions } from './token-client.ts'
export { readTokenAnswer, type AccessToken, type TokenAnswer } from './token-response.ts'
export { defaultRetryPolicy, isRetryableStatus, nextRetryDelayMs, parseRetryAfter, type RetryPolicy } from './retry-policy.ts'
export { createDpopProofSigner, type DpopKeyPair, type DpopProofClaims, type DpopProofSigner } from './dpop-proof.ts'
export {
  ApiOriginRefusedError,
  isTokenClientError,
  TokenEndpointUnavailableError,
  TokenRequestRejectedError,
  type ApiOriginRefusalReason,
  type TokenClientError,
  type TokenEndpointFailureKind,
} from './errors.ts'
