/**
 * `@tokenward/core/jose`: the low-level JOSE helpers the verifier is built from, for tools that
 * take tokens and keys apart themselves. All pure: no clock, no network, values rather than throws
 * where a token or key can be wrong. Most applications need only `createVerifier` from
 * `@tokenward/core`.
 *
 * @example
 * ```ts
 * import { inspectToken, parseCompactJws, selectVerificationKey, type Jwk } from '@tokenward/core/jose'
 *
 * const parsed = parseCompactJws(token)
 * if (parsed.ok) console.log(parsed.value.header.alg, inspectToken(token))
 * ```
 *
 * @module
 */
export { supportedAlgorithms, type Jwk, type SupportedAlgorithm } from './jwk.ts'
export { createHeaderMemo, parseCompactJws, type HeaderMemo, type ParseCompactJwsOptions, type ParsedJws } from '../jws/parse-compact.ts'
export { parseStrictJsonObject } from '../jws/strict-json.ts'
export { decodeBase64Url, encodeBase64Url, isCanonicalBase64Url } from '../jws/base64url.ts'
export { validateJoseHeader, type CheckedHeader, type ValidateJoseHeaderOptions } from '../jws/header.ts'
export { inspectToken, type TokenInspection } from '../jws/inspect-token.ts'
export { algorithmsForKey, keyProblems } from '../keys/usable-key.ts'
export { selectVerificationKey, type KeySelectionHeader } from '../keys/select-key.ts'
