/**
 * Client authentication to an authorization server: build it from config, then get the parts a
 * request needs. Shared by introspection, the token client and the issuer.
 *
 * @module
 */
export {
  defineClientAuthentication,
  usesMutualTls,
  type AssertionAudience,
  type ClientAuthentication,
  type ClientAuthenticationMethod,
} from './define-client-authentication.ts'
export {
  ClientAuthenticationFailure,
  clientAssertionLifetimeSeconds,
  clientAuthenticationFor,
  type ClientAuthenticationContext,
  type ClientAuthenticationParts,
} from './client-authentication-for.ts'
export type { ClientAssertionAlgorithm } from './private-key.ts'
