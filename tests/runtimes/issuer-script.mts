// Run by tests/runtimes/issuer-deno-bun.test.ts in Deno and Bun: the BUILT @tokenward/issuer (as the
// runtime resolves the package, or its Web build by file URL, given as the first argument) issues a
// token through `handle(Request)`; the script prints what the test checks as one JSON line.
const specifier = (globalThis as { Deno?: { args: string[] } }).Deno?.args[0] ?? (globalThis as { process?: { argv: string[] } }).process?.argv[2] ?? '@tokenward/issuer'
const issuerPackage = await import(specifier)
const hasher = issuerPackage.createPbkdf2SecretHasher({ iterations: 10_000 })
const { secret, hash } = await issuerPackage.generateClientSecret(hasher)
const clients = issuerPackage.createInMemoryClientStore([['1', issuerPackage.defineApiClient({ clientId: 'c', roles: ['R'], authentication: { method: 'client_secret', secretHashes: [hash] } })]])
const issuer = issuerPackage.createIssuer({ issuer: 'https://as.example', organization: { cloud: 'x', orgId: '1', cloudDomain: 'x.net', apiRoles: ['R'] }, clients, secretHasher: hasher })
const response: Response = await issuer.handle(
  new Request('https://as.example/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa(`c:${secret}`)}` }, body: 'grant_type=client_credentials' }),
)
const body = (await response.json()) as { access_token: string; scope: string }
const jwks = (await (await issuer.handle(new Request('https://as.example/jwks'))).json()) as { keys: JsonWebKey[] }
const [header, payload, signature] = body.access_token.split('.') as [string, string, string]
const fromB64 = (s: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))
const publicJwk: JsonWebKey = { kty: 'EC', crv: 'P-256', x: jwks.keys[0]!.x!, y: jwks.keys[0]!.y! }
const key = await crypto.subtle.importKey('jwk', publicJwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'])
const valid = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, fromB64(signature), new TextEncoder().encode(`${header}.${payload}`))
console.log(JSON.stringify({ status: response.status, scope: body.scope, valid, defaultHasher: issuerPackage.createDefaultSecretHasher().algorithm }))
