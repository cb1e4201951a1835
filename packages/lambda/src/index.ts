/**
 * `@tokenward/lambda`: accept OAuth 2.0 access tokens from your customers' authorization servers
 * in AWS Lambda — API Gateway authorizers (REST `TOKEN` and `REQUEST`, HTTP API simple responses)
 * and a wrapper for proxy handlers (REST API, HTTP API, function URL, ALB). The event shapes are
 * declared here; no AWS types package is needed.
 *
 * @example
 * ```ts
 * import { createVerifier } from '@tokenward/core'
 * import { warmOnInit, withTokenward } from '@tokenward/lambda'
 *
 * const verifier = createVerifier({ server: { name: 'Okta1', jwksUrl: 'https://acme.okta.com/oauth2/default/v1/keys' } })
 * await warmOnInit(verifier)
 * export const handler = withTokenward(async (event, context, auth) => ({ statusCode: 200, body: auth.clientId }), { guard: verifier })
 * ```
 *
 * @module
 */
export { withTokenward, type TokenwardProxyHandler, type WithTokenwardOptions } from './with-tokenward.ts'
export { requestAuthorizer, tokenAuthorizer, type RestAuthorizerOptions } from './rest-authorizer.ts'
export { httpApiAuthorizer, type HttpApiAuthorizerOptions } from './http-api-authorizer.ts'
export { warmOnInit, type WarmOnInitOptions } from './warm-on-init.ts'
export {
  fromFetchHandler,
  FetchBridgeError,
  isFetchBridgeError,
  type FetchHandler,
  type FetchProxyEvent,
  type FetchProxyHandler,
  type FromFetchHandlerOptions,
  type ProxyEventBody,
} from './fetch-handler.ts'
export type { EventCertificateOptions, EventUrlOptions } from './event-request.ts'
export type { ApiResourceOptions } from './api-resource-options.ts'
export type {
  AlbEvent,
  AlbResult,
  ApiGatewayProxyEventV1,
  ApiGatewayProxyEventV2,
  ApiGatewayProxyResultV1,
  ApiGatewayProxyResultV2,
  AuthorizerContext,
  AuthorizerPolicy,
  ClientCertIdentity,
  HttpApiAuthorizerEvent,
  HttpApiSimpleResult,
  LambdaContext,
  MultiValueMap,
  ProxyEvent,
  ProxyResultFor,
  RequestAuthorizerEvent,
  SingleValueMap,
  TokenAuthorizerEvent,
} from './types.ts'
