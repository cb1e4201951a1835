/**
 * `@tokenward/issuer`: tokens for your API clients (OneAPI). A runtime-neutral `Request → Response`
 * token endpoint for the client_credentials grant, with client authentication by `private_key_jwt`
 * (a JWKS URL, a certificate or a public key) or a client secret; RFC 9068 access tokens signed
 * behind a key-store port; the JWKS and RFC 8414 metadata endpoints.
 *
 * @module
 */
export { createIssuer, type ClientAuthMethod, type Issuer, type IssuerOptions, type TokenRequestEvent } from './endpoint/create-issuer.ts'
export type { IssuerHttpAnswer, IssuerHttpRequest } from './http/issuer-http.ts'
export { createIssuerNodeHandler, type IssuerNodeRequest, type IssuerNodeResponse } from './http/node-handler.ts'
export { TokenEndpointError, isTokenEndpointError, type TokenErrorCode } from './endpoint/token-error.ts'
export type { FailedAuthenticationThrottleOptions } from './endpoint/auth-throttle.ts'
export { defineApiClient, validateApiClient, type ApiClient, type ApiClientInput, type ClientAuthentication } from './client/api-client.ts'
export {
  clientStoreContract,
  createInMemoryClientStore,
  type ClientStore,
  type ClientStoreContractCase,
} from './client/client-store.ts'
export {
  createOrganizationClientStore,
  type OrganizationClientStoreOptions,
  type OrganizationReader,
} from './client/organization-client-store.ts'
export { publicKeyPemToJwk, readCertificate, type CertificateKey } from './client/public-key-material.ts'
export type { SecretHash, SecretHasher } from './secret/secret-hasher.ts'
export { createPbkdf2SecretHasher, type Pbkdf2SecretHasherOptions } from './secret/pbkdf2-hasher.ts'
export { finishSecretRotation, generateClientSecret, rotateClientSecret, type GeneratedClientSecret } from './secret/client-secret.ts'
export {
  createInMemorySigningKeyStore,
  generateSigningKey,
  importSigningKey,
  type InMemorySigningKeyStore,
  type InMemorySigningKeyStoreOptions,
  type SigningKey,
  type SigningKeyStore,
} from './keys/signing-key-store.ts'
export { createInMemoryReplayStore, type InMemoryReplayStoreOptions, type ReplayStore } from './replay/replay-store.ts'
export { createDefaultSecretHasher } from '#issuer-platform'
