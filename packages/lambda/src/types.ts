/**
 * The Lambda event and result shapes this package reads and writes, declared here (only the
 * fields used) instead of depending on a types package. Each follows the AWS documentation page
 * named on it; events typed with `@types/aws-lambda` are assignable to them.
 *
 * @module
 */

/**
 * A single-value header or query map. API Gateway sends `null` when a request has none.
 *
 * @example
 * ```ts
 * const headers: SingleValueMap = { authorization: 'Bearer eyJ...' }
 * ```
 */
export type SingleValueMap = Readonly<Record<string, string | undefined>> | null

/**
 * A multi-value header or query map (REST APIs, and ALB target groups with multi-value headers on).
 *
 * @example
 * ```ts
 * const headers: MultiValueMap = { authorization: ['Bearer eyJ...'] }
 * ```
 */
export type MultiValueMap = Readonly<Record<string, readonly string[] | undefined>> | null

/**
 * API Gateway REST API Lambda proxy event (payload 1.0; HTTP API payload 1.0 has the same shape).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format
 *
 * @example
 * ```ts
 * const event: ApiGatewayProxyEventV1 = { httpMethod: 'GET', path: '/orders', multiValueHeaders: { Authorization: ['Bearer eyJ...'] } }
 * ```
 */
export interface ApiGatewayProxyEventV1 {
  readonly httpMethod: string
  /** The request path, without the stage. */
  readonly path: string
  readonly headers?: SingleValueMap | undefined
  readonly multiValueHeaders?: MultiValueMap | undefined
  /** Values are URL-decoded by API Gateway. */
  readonly queryStringParameters?: SingleValueMap | undefined
  readonly multiValueQueryStringParameters?: MultiValueMap | undefined
  /** The route's parameters (`{orgId}`, `{proxy+}`), for the `{ param }` organization resolver. */
  readonly pathParameters?: SingleValueMap | null | undefined
  /**
   * `domainName`: the host API Gateway answered on; the origin of `TokenRequest.url`.
   * `identity.clientCert.clientCertPem`: the client certificate of a mutual-TLS custom domain.
   */
  readonly requestContext?: { readonly domainName?: string | undefined; readonly identity?: ClientCertIdentity | null | undefined; readonly [other: string]: unknown } | undefined
}

/**
 * Where API Gateway puts the client certificate of a mutual-TLS custom domain: REST APIs under
 * `requestContext.identity`, HTTP APIs under `requestContext.authentication`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html
 *
 * @example
 * ```ts
 * const identity: ClientCertIdentity = { clientCert: { clientCertPem: '-----BEGIN CERTIFICATE-----\n…' } }
 * ```
 */
export interface ClientCertIdentity {
  readonly clientCert?: { readonly clientCertPem?: string | undefined; readonly [other: string]: unknown } | null | undefined
}

/**
 * API Gateway HTTP API payload 2.0 event; a Lambda function URL event has the same shape.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 * https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads
 *
 * @example
 * ```ts
 * const event: ApiGatewayProxyEventV2 = { version: '2.0', rawPath: '/orders', rawQueryString: '', headers: { authorization: 'Bearer eyJ...' }, requestContext: { http: { method: 'GET' } } }
 * ```
 */
export interface ApiGatewayProxyEventV2 {
  readonly version: string
  readonly rawPath: string
  readonly rawQueryString: string
  /** Lower-case names; repeated headers arrive joined with commas. */
  readonly headers?: SingleValueMap | undefined
  /** The route's parameters (`{orgId}`, `{proxy+}`), for the `{ param }` organization resolver. */
  readonly pathParameters?: SingleValueMap | null | undefined
  /**
   * `domainName`: the host API Gateway (or the function URL) answered on; the origin of
   * `TokenRequest.url`. `authentication.clientCert.clientCertPem`: the client certificate of a
   * mutual-TLS custom domain.
   */
  readonly requestContext: { readonly http: { readonly method: string }; readonly domainName?: string | undefined; readonly authentication?: ClientCertIdentity | null | undefined }
}

/**
 * Application Load Balancer target event: `headers` or, when the target group has multi-value
 * headers on, `multiValueHeaders` (never both).
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html#receive-event-from-load-balancer
 *
 * @example
 * ```ts
 * const event: AlbEvent = { requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:...' } }, httpMethod: 'GET', path: '/orders', headers: { authorization: 'Bearer eyJ...' } }
 * ```
 */
export interface AlbEvent {
  readonly requestContext: { readonly elb: { readonly targetGroupArn: string } }
  readonly httpMethod: string
  readonly path: string
  readonly headers?: SingleValueMap | undefined
  readonly multiValueHeaders?: MultiValueMap | undefined
  /** Values are passed as received (not URL-decoded). */
  readonly queryStringParameters?: SingleValueMap | undefined
  readonly multiValueQueryStringParameters?: MultiValueMap | undefined
}

/**
 * Every proxy event {@link withTokenward} accepts.
 *
 * @example
 * ```ts
 * export const handler = withTokenward(async (event: ProxyEvent, context, auth) => ({ statusCode: 204 }), { guard })
 * ```
 */
export type ProxyEvent = ApiGatewayProxyEventV1 | ApiGatewayProxyEventV2 | AlbEvent

/**
 * Result of a REST API (payload 1.0) proxy integration.
 *
 * @example
 * ```ts
 * const result: ApiGatewayProxyResultV1 = { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{}' }
 * ```
 */
export interface ApiGatewayProxyResultV1 {
  statusCode: number
  headers?: Record<string, string | number | boolean>
  multiValueHeaders?: Record<string, (string | number | boolean)[]>
  body: string
  isBase64Encoded?: boolean
}

/**
 * Result of an HTTP API (payload 2.0) or function URL integration.
 *
 * @example
 * ```ts
 * const result: ApiGatewayProxyResultV2 = { statusCode: 200, cookies: ['a=b'], body: '{}' }
 * ```
 */
export interface ApiGatewayProxyResultV2 {
  statusCode: number
  headers?: Record<string, string | number | boolean>
  cookies?: string[]
  body?: string
  isBase64Encoded?: boolean
}

/**
 * Result for an Application Load Balancer; use `multiValueHeaders` when the event had them.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html#respond-to-load-balancer
 *
 * @example
 * ```ts
 * const result: AlbResult = { statusCode: 200, statusDescription: '200 OK', headers: { 'content-type': 'text/plain' }, body: 'ok' }
 * ```
 */
export interface AlbResult {
  statusCode: number
  statusDescription?: string
  headers?: Record<string, string | number | boolean>
  multiValueHeaders?: Record<string, (string | number | boolean)[]>
  body?: string
  isBase64Encoded?: boolean
}

/**
 * The result shape that answers an event of type `E`.
 *
 * @example
 * ```ts
 * type Refusal = ProxyResultFor<AlbEvent> // AlbResult
 * ```
 */
export type ProxyResultFor<E> = E extends { readonly requestContext: { readonly elb: unknown } }
  ? AlbResult
  : E extends { readonly rawPath: string }
    ? ApiGatewayProxyResultV2
    : ApiGatewayProxyResultV1

/**
 * REST API `TOKEN` authorizer event.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html
 *
 * @example
 * ```ts
 * const event: TokenAuthorizerEvent = { type: 'TOKEN', authorizationToken: 'Bearer eyJ...', methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/orders' }
 * ```
 */
export interface TokenAuthorizerEvent {
  readonly type: 'TOKEN'
  /** The value of the configured token source header, e.g. `Bearer eyJ...`. */
  readonly authorizationToken: string
  /** `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{verb}/{path}` */
  readonly methodArn: string
}

/**
 * REST API `REQUEST` authorizer event.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html
 *
 * @example
 * ```ts
 * const policy = await requestAuthorizer({ guard })(event satisfies RequestAuthorizerEvent)
 * ```
 */
export interface RequestAuthorizerEvent {
  readonly type: 'REQUEST'
  readonly methodArn: string
  readonly httpMethod: string
  readonly path: string
  readonly headers?: SingleValueMap | undefined
  readonly multiValueHeaders?: MultiValueMap | undefined
  readonly queryStringParameters?: SingleValueMap | undefined
  readonly multiValueQueryStringParameters?: MultiValueMap | undefined
  readonly pathParameters?: SingleValueMap | null | undefined
  readonly requestContext?: { readonly domainName?: string | undefined; readonly identity?: ClientCertIdentity | null | undefined; readonly [other: string]: unknown } | undefined
}

/**
 * HTTP API Lambda authorizer event, payload format 2.0.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
 *
 * @example
 * ```ts
 * const { isAuthorized } = await httpApiAuthorizer({ guard })(event satisfies HttpApiAuthorizerEvent)
 * ```
 */
export interface HttpApiAuthorizerEvent {
  readonly version: string
  readonly type: 'REQUEST'
  readonly routeArn: string
  /** The route API Gateway matched, e.g. `GET /orgs/{orgId}/reports`, or `$default`. */
  readonly routeKey?: string | undefined
  readonly rawPath: string
  readonly rawQueryString: string
  readonly headers?: SingleValueMap | undefined
  readonly pathParameters?: SingleValueMap | null | undefined
  readonly requestContext: { readonly http: { readonly method: string }; readonly domainName?: string | undefined; readonly authentication?: ClientCertIdentity | null | undefined }
}

/**
 * What the authorizers hand to the integration (`event.requestContext.authorizer` for REST APIs,
 * `event.requestContext.authorizer.lambda` for HTTP APIs). Values are strings, as API Gateway
 * allows only strings, numbers and booleans.
 *
 * @example
 * ```ts
 * // In the REST API integration behind the authorizer:
 * const { clientId, adminId } = event.requestContext.authorizer as AuthorizerContext
 * const roles = JSON.parse((event.requestContext.authorizer as AuthorizerContext).apiRoles) as ApiRole[]
 * ```
 */
export interface AuthorizerContext {
  readonly [key: string]: string
  readonly clientId: string
  /** The `sub` claim, when the token has one. */
  readonly subject?: string
  /** The audit ID `oauth-<role>$@<orgId>.<cloudDomain>`, when the guard knows the organization. */
  readonly adminId?: string
  /** The API role that authorized the call, e.g. `ReadOnly`, when the guard knows the organization. */
  readonly apiRole?: string
  /** Name of the authorization server that issued the token. */
  readonly authorizationServer: string
  /** JSON array of the token's API roles: `[{ "cloud", "orgId", "role" }]`. */
  readonly apiRoles: string
}

/**
 * REST API authorizer output: an IAM policy for `execute-api:Invoke`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
 *
 * @example
 * ```ts
 * const policy: AuthorizerPolicy = await tokenAuthorizer({ guard })(event)
 * policy.policyDocument.Statement[0].Effect // 'Allow' or 'Deny'
 * ```
 */
export interface AuthorizerPolicy {
  principalId: string
  policyDocument: {
    Version: '2012-10-17'
    Statement: [{ Action: 'execute-api:Invoke'; Effect: 'Allow' | 'Deny'; Resource: string }]
  }
  context: Record<string, string>
}

/**
 * HTTP API authorizer output in the simple response format.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html#http-api-lambda-authorizer.v2
 *
 * @example
 * ```ts
 * const result: HttpApiSimpleResult = await httpApiAuthorizer({ guard })(event) // { isAuthorized: true, context: { clientId, ... } }
 * ```
 */
export interface HttpApiSimpleResult {
  isAuthorized: boolean
  context?: Record<string, string>
}

/**
 * The fields of the Node.js Lambda context object, as documented; this package only passes it on.
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html
 *
 * @example
 * ```ts
 * export const handler = withTokenward(async (event, context: LambdaContext, auth) => ({ statusCode: 200, body: context.awsRequestId }), { guard })
 * ```
 */
export interface LambdaContext {
  readonly functionName: string
  readonly functionVersion: string
  readonly invokedFunctionArn: string
  readonly memoryLimitInMB: string
  readonly awsRequestId: string
  readonly logGroupName: string
  readonly logStreamName: string
  getRemainingTimeInMillis(): number
}
