// Runs the functions locally: starts a stand-in authorization server, then invokes the authorizer
// and the handler with sample events shaped as AWS documents them.
import { clientCredentialsToken, startLocalAuthorizationServer } from '../../express-api/src/local-authorization-server.ts'

const idp = await startLocalAuthorizationServer({
  audience: 'https://api.example.com',
  clients: { 'reporting-service': { secret: 's3cret', scopes: ['zscloud::12345::ReadOnly'] } },
})
process.env.JWKS_URL = idp.jwksUrl
process.env.ISSUER = idp.issuer
const { authorizer, reports, verifier } = await import('./handler.ts')
const token = await clientCredentialsToken(idp.tokenUrl, 'reporting-service', 's3cret')

const methodArn = 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/orgs/12345/reports'
const policy = await authorizer({ type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn })
console.log('TOKEN authorizer →', policy.policyDocument.Statement[0]?.Effect, policy.context)
try {
  await authorizer({ type: 'TOKEN', authorizationToken: 'Bearer not.a.token', methodArn })
} catch (e) {
  console.log('TOKEN authorizer, bad token → throws', JSON.stringify((e as Error).message), '(API Gateway answers 401)')
}

const httpApiEvent = (authorization?: string) => ({
  version: '2.0' as const,
  routeKey: 'GET /orgs/{orgId}/reports',
  rawPath: '/orgs/12345/reports',
  rawQueryString: '',
  headers: { host: 'abcdef123.execute-api.us-east-1.amazonaws.com', ...(authorization === undefined ? {} : { authorization }) },
  requestContext: {
    accountId: '123456789012',
    apiId: 'abcdef123',
    domainName: 'abcdef123.execute-api.us-east-1.amazonaws.com',
    domainPrefix: 'abcdef123',
    http: { method: 'GET', path: '/orgs/12345/reports', protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'curl/8.0' },
    requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    routeKey: 'GET /orgs/{orgId}/reports',
    stage: '$default',
    time: '22/Nov/2026:12:00:00 +0000',
    timeEpoch: 1795348800000,
  },
  isBase64Encoded: false,
})
const context = {
  functionName: 'reports',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:reports',
  memoryLimitInMB: '256',
  awsRequestId: 'local-invocation',
  logGroupName: '/aws/lambda/reports',
  logStreamName: 'local',
  getRemainingTimeInMillis: () => 30_000,
}
console.log('HTTP API handler, valid token →', await reports(httpApiEvent(`Bearer ${token}`), context))
console.log('HTTP API handler, no token →', await reports(httpApiEvent(), context))

await verifier.close()
await idp.close()
