// Run by tests/runtimes/client-deno-bun.test.ts in Deno and Bun: the BUILT @tokenward/client (as the
// runtime resolves the package) gets a DPoP-bound token from the BUILT @tokenward/issuer through an
// injected fetch, answering the issuer's nonce, and prints what the test checks as one JSON line.
const clientPackage = await import('@tokenward/client')
const issuerPackage = await import('@tokenward/issuer')
const hasher = issuerPackage.createPbkdf2SecretHasher({ iterations: 10_000 })
const { secret, hash } = await issuerPackage.generateClientSecret(hasher)
const clients = issuerPackage.createInMemoryClientStore([['1', issuerPackage.defineApiClient({ clientId: 'c', roles: ['R'], authentication: { method: 'client_secret', secretHashes: [hash] } })]])
const issuer = issuerPackage.createIssuer({
  issuer: 'https://as.example',
  organization: { cloud: 'x', orgId: '1', cloudDomain: 'x.net', apiRoles: ['R'] },
  clients,
  secretHasher: hasher,
  dpop: { requireNonce: true, nonceSecret: 'a nonce secret of at least thirty-two characters' },
})
let tokenRequests = 0
const client = clientPackage.createTokenClient({
  issuer: issuer.issuer,
  tokenEndpoint: issuer.tokenEndpoint,
  clientId: 'c',
  clientAuthentication: { method: 'client_secret_post', clientSecret: secret },
  dpop: true,
  fetch: (input: RequestInfo | URL, init?: RequestInit) => (tokenRequests++, issuer.handle(new Request(input, init))),
})
const token = await client.getToken()
const payload = JSON.parse(atob(token.accessToken.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { cnf?: { jkt?: string } }
const jwk = (await client.dpopPublicKey()) as { crv: string; kty: string; x: string; y: string }
const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))))
const thumbprint = btoa(String.fromCharCode(...digest)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
console.log(JSON.stringify({ tokenType: token.tokenType, scope: token.scope, bound: payload.cnf?.jkt === thumbprint, tokenRequests, cached: (await client.getToken()) === token }))
