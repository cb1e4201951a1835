/**
 * `@tokenward/core`: accept OAuth 2.0 access tokens issued by your customers' own authorization
 * servers (Okta, Microsoft Entra ID, PingFederate, Keycloak, Auth0, Cognito...).
 *
 * This entry point is the Promise door (`createVerifier`), the pure rules (config, claims, API
 * roles, bearer extraction, challenges) and the errors. The Effect door is `@tokenward/core/effect`.
 *
 * @example
 * ```ts
 * import { createVerifier } from '@tokenward/core'
 *
 * const verifier = createVerifier({
 *   server: { name: 'Okta1', jwksUrl: 'https://acme.okta.com/oauth2/default/v1/keys', issuer: 'https://acme.okta.com/oauth2/default' },
 * })
 * const verdict = await verifier.verifyRequest({ method: 'GET', url: request.url, headers: request.headers })
 * if (!verdict.ok) return new Response(JSON.stringify(verdict.response.body), verdict.response)
 * ```
 *
 * @module
 */
export {
  ClaimValidationError,
  ConfigError,
  InactiveTokenError,
  InsufficientScopeError,
  InvalidHeaderError,
  InvalidRequestError,
  InvalidSignatureError,
  AuditUnavailableError,
  BindingError,
  DiscoveryUnavailableError,
  IntrospectionUnavailableError,
  InvalidDpopProofError,
  JwksUnavailableError,
  KeyError,
  MalformedTokenError,
  MissingTokenError,
  ReplayUnavailableError,
  ServerDisabledError,
  StoreUnavailableError,
  TokenwardError,
  UnavailableError,
  UseDpopNonceError,
  errorCodes,
  isTokenwardError,
  isUnavailableError,
  isVerificationError,
  type ClaimErrorCode,
  type ConfigIssue,
  type ErrorCode,
  type ErrorDetails,
  type OAuthErrorCode,
  type TokenwardFailure,
  type UnavailableReason,
  type VerificationError,
  type VerificationStage,
} from './errors.ts'
export type { Result } from './result.ts'
export { type HttpFailureKind } from './platform/types.ts'
export { supportedAlgorithms, type Jwk, type SupportedAlgorithm } from './jose/jwk.ts'

export {
  checkJwksUrl,
  defaultAlgorithms,
  defineAuthorizationServer,
  validateAuthorizationServer,
  type AuthorizationServerConfig,
  type AuthorizationServerInput,
  type AuthorizationServerValidation,
  type ConfigWarning,
  type ConfigWarningCode,
} from './config/authorization-server.ts'
export { isLoopbackHost } from './config/loopback.ts'
export { checkEndpointUrl, checkIntrospection, maxIntrospectionTimeToLiveSeconds, type IntrospectionConfig, type IntrospectionInput } from './config/introspection.ts'
export type { IntrospectionEvent, IntrospectionOutcome, ServerTargetFailoverEvent } from './introspection/introspection-event.ts'
export { maxIntrospectionJwtAgeSeconds, verifyIntrospectionJwt, type IntrospectionJwtContext } from './introspection/verify-introspection-jwt.ts'
export {
  checkAddressPolicy,
  classifyAddress,
  decideAddress,
  decideUrl,
  decideUrlUnresolved,
  defineAddressPolicy,
  embeddedIpv4,
  formatIpAddress,
  parseIpAddress,
  type AddressClass,
  type AddressContext,
  type AddressDecision,
  type AddressPolicy,
  type AddressPolicyOptions,
  type AddressRange,
  type IpAddress,
} from './network/address-policy.ts'

export { inspectToken, type TokenInspection } from './jws/inspect-token.ts'

export {
  checkBearerAccessToken,
  clientIdClaims,
  validateAccessTokenClaims,
  type ClaimExpectations,
  type ClientIdClaim,
  type ValidatedClaims,
} from './claims/validate-claims.ts'
export {
  auditAdminId,
  authorizeApiRole,
  grantsFromClaims,
  isScopeToken,
  parseApiRole,
  type ApiRole,
  type ApiRoleRequirement,
  type GrantOptions,
  type TokenGrants,
} from './scope/api-role.ts'
export {
  defineApiResources,
  isApiResourceTable,
  type ApiResourceCategories,
  type ApiResourceMatch,
  type ApiResourceRoute,
  type ApiResourceRow,
  type ApiResourceTable,
  type ApiResourceTableOptions,
} from './scope/api-resource-table.ts'
export { authorizeApiResource, rolesGrantingCategory, unmappedResourceError, type ApiResourceRequirement } from './scope/api-resource-grant.ts'

export { extractBearerToken, headerValues, type ClientCertificate, type HeadersInput, type TokenRequest } from './http/bearer.ts'
export { renderChallenge, type ChallengeBody, type ChallengeOptions, type ChallengeResponse } from './http/challenge.ts'

export { validateJwks, type ValidateJwksOptions } from './jwks/validate-jwks-door.ts'
export type { JwksKeyReport, JwksValidationReport } from './jwks/validate-jwks.ts'
export { validateIntrospection, type ValidateIntrospectionOptions } from './introspection/validate-introspection-door.ts'
export type { IntrospectionCheckOutcome, IntrospectionValidationReport, ValidateIntrospectionInput } from './introspection/validate-introspection.ts'
export type {
  JwksEvent,
  JwksFailureKind,
  JwksFetchFailedEvent,
  JwksFetchReason,
  JwksFetchedEvent,
  JwksNotModifiedEvent,
  JwksRefetchSuppressedEvent,
  JwksStaleServedEvent,
} from './jwks/jwks-event.ts'

export { createVerifier, type CreateVerifierOptions, type RequestVerdict, type Verifier } from './verifier/create-verifier.ts'
export type {
  Authorization,
  IntrospectionOptions,
  JwksOptions,
  OrganizationAccess,
  VerifiedAccessToken,
  VerifierEvent,
  VerifierOptions,
  VerifierStatus,
  VerifyOptions,
} from './verifier/types.ts'

// The organization model and its rules (pure) are the `@tokenward/core/organization` subpath;
// the low-level JOSE helpers are `@tokenward/core/jose`.

// What framework adapters consume.
export type { RequestGuard } from './request/request-guard.ts'
export { defineOrganizationResolver, type OrganizationResolver, type OrganizationResolverSpec } from './request/organization-resolver.ts'
// The request every adapter builds: its absolute URL, credentials by scheme, optional auth.
export { checkPublicOrigin, defineRequestUrl, type RequestConnection, type RequestUrl, type RequestUrlOptions } from './request/request-url.ts'
export { readCredentials, type CredentialScheme, type Credentials } from './request/credentials.ts'
export { admitRequest, type Admission } from './request/admission.ts'
export {
  defineClientCertificateSource,
  sha256HexToThumbprint,
  type CertificateConnection,
  type ClientCertificateSource,
  type ClientCertificateSourceOptions,
  type ForwardedCertificateFormat,
  type ForwardedClientCertificate,
  type PlatformCertificate,
  type RequestCertificate,
} from './request/client-certificate-source.ts'

// Sender-constrained tokens — DPoP (RFC 9449) and certificate-bound (RFC 8705) — as the pieces the
// pipeline's binding stage calls (checkSenderConstraint), and protected-resource metadata (RFC 9728).
export { defaultDpopAlgorithms, defaultDpopConfig, defineDpopConfig, validateDpopConfig, type DpopConfig, type DpopInput, type DpopMode } from './config/dpop.ts'
export { defaultMtlsConfig, defineMtlsConfig, validateMtlsConfig, type MtlsConfig, type MtlsInput, type MtlsMode } from './config/mtls.ts'
export { constantTimeEqual, jwkThumbprint, jwkThumbprintInput, sha256Base64Url } from './jose/jwk-thumbprint.ts'
export { createDpopNonces, type DpopNonceOptions, type DpopNonceStanding, type DpopNonces } from './dpop/dpop-nonce.ts'
export {
  createDpopKeyMemo,
  maxDpopJtiLength,
  maxDpopProofLength,
  normaliseHtu,
  verifyDpopProof,
  type DpopKeyMemo,
  type DpopKeyMemoEntry,
  type DpopProofRequest,
  type VerifiedDpopProof,
  type VerifyDpopProofOptions,
} from './dpop/verify-dpop-proof.ts'
export { createExpiringKeys, createMemoryReplayStore, ReplayStoreFullError, type ExpiringKeys, type MemoryReplayStoreOptions, type ReplayStore, type ReplayVerdict } from './state/replay-store.ts'
export {
  createMemoryIntrospectionCache,
  type IntrospectionCache,
  type IntrospectionCacheEntry,
  type MemoryIntrospectionCacheOptions,
} from './state/introspection-cache.ts'
export { certificateDer, certificateThumbprint, type PresentedCertificate } from './mtls/client-certificate.ts'
export { parseClientCertHeader, parseUrlEncodedPemHeader, parseXfccHeader, xfccHashToThumbprint, type XfccElement } from './mtls/proxy-certificate-headers.ts'
export {
  dpopNonceHeaders,
  renderSenderConstraintChallenge,
  senderConstraintExposedHeaders,
  type SenderConstraintChallengeOptions,
} from './challenge/sender-constraint-challenge.ts'
export {
  checkSenderConstraint,
  type SenderBinding,
  type SenderConstraint,
  type SenderConstraintInput,
  type SenderConstraintRequest,
} from './sender-constraint/check-sender-constraint.ts'
export {
  createProtectedResourceMetadataHandler,
  defineProtectedResourceMetadata,
  protectedResourceMetadataPath,
  protectedResourceMetadataUrl,
  isResourceMetadataUrl,
  type ProtectedResourceLookup,
  type ProtectedResourceMetadata,
  type ProtectedResourceMetadataInput,
} from './metadata/protected-resource-metadata.ts'
// The connection to an authorization server: the HTTP seam (GET and POST with client
// certificates, trust mode and proxy), alternative origins, client authentication, discovery.
export {
  HttpGetFailure,
  type ClientCertificatePem,
  type HttpGet,
  type HttpGetRequest,
  type HttpGetResponse,
  type HttpPost,
  type HttpPostRequest,
  type ResponseHeaders,
  type TrustMode,
} from './platform/types.ts'
export { platformHttpGet, platformHttpPost, platformSignatureProvider } from './platform/http-door.ts'
export { readBoundedStream } from './platform/bytes.ts'
export {
  defineTargets,
  shouldTryNextTarget,
  withTargets,
  type TargetFailoverEvent,
  type TargetOutcome,
  type WithTargetsOptions,
} from './network/with-targets.ts'
export * from './client-auth/index.ts'
export * from './discovery/index.ts'
