// Access tokens shaped like each vendor's, from their documentation: header and claims as the vendor
// documents them for the client-credentials grant (machine-to-machine), signed with jose and
// verified for real against keys served from a local JWKS server in the vendor's JWKS shape.
//
// Values that are the customer's own (tenant IDs, client IDs, hosts) are made up. The JWKS is
// served on 127.0.0.1 at the vendor's path, because tokenward never fetches the real hosts here.
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose'
import { createVerifier, isVerificationError, type AuthorizationServerInput, type OrganizationAccess, type VerificationError, type Verifier } from '@tokenward/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, now, startJwksServer, type JwksServer, type TestKey } from '../../packages/core/src/testing/mint.test-support.ts'

const organization: OrganizationAccess = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] }
const readOnly = 'zscloud::12345::ReadOnly'
const readOnlyRole = { cloud: 'zscloud', orgId: '12345', role: 'ReadOnly' }
const adminId = 'oauth-ReadOnly$@12345.zscloud.net'

/** Signs `claims` with exactly the given protected header (nothing added). */
const sign = (key: TestKey, header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string> =>
  new SignJWT(claims).setProtectedHeader({ alg: key.alg, ...header }).sign(key.privateKey)

/** The public JWK without the members a vendor does not publish. */
const withoutMembers = (jwk: JWK, ...members: (keyof JWK)[]): JWK => Object.fromEntries(Object.entries(jwk).filter(([k]) => !members.includes(k as keyof JWK)))

async function refusal(promise: Promise<unknown>): Promise<VerificationError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  )
  if (!isVerificationError(outcome)) throw new Error(`expected a tokenward error, got ${String(outcome)}`)
  return outcome
}

/** A vendor's JWKS host and the verifiers built against it, all closed in afterAll. */
function vendorHarness() {
  const state = { server: undefined as JwksServer | undefined, verifiers: [] as Verifier[], jwksPath: '/jwks' }
  return {
    async start(keys: JWK[], jwksPath: string) {
      state.server = await startJwksServer(keys)
      state.jwksPath = jwksPath
    },
    /** The vendor's JWKS URL, on the local server (which answers on any path). */
    get jwksUrl() {
      return new URL(state.jwksPath, state.server!.url).href
    },
    get fetches() {
      return state.server!.fetches
    },
    verifier(server: Omit<AuthorizationServerInput, 'jwksUrl'>): Verifier {
      const v = createVerifier({ server: { jwksUrl: this.jwksUrl, ...server }, organization })
      state.verifiers.push(v)
      return v
    },
    async close() {
      await Promise.all(state.verifiers.map((v) => v.close()))
      await state.server?.close()
    },
  }
}

// ─── Okta ──────────────────────────────────────────────────────────────────────────────────────
// Okta custom authorization server ("default"), client-credentials access token, following Okta's
// OpenID Connect & OAuth 2.0 API reference, "Access token" section
// (https://developer.okta.com/docs/api/openapi/okta-oauth/guides/overview/ and the older
// https://developer.okta.com/docs/reference/api/oidc/#access-token): header `kid` + `alg: RS256`
// and no `typ`; claims `ver: 1`, `jti: "AT.…"`, `iss` https://{org}.okta.com/oauth2/default,
// `aud` (api://default for the default server), `cid` (client ID), `scp` (array of scopes), `sub`
// (the client ID for client credentials), and no `uid` (only user tokens carry it). Okta JWKS
// (/oauth2/default/v1/keys) keys carry kty, alg RS256, kid, use sig, e, n.
describe('Okta (custom authorization server) access tokens', () => {
  const okta = vendorHarness()
  const issuer = 'https://acme.okta.com/oauth2/default'
  const cid = '0oa8f5j3ecb5w3dF35d7'
  let key: TestKey
  const oktaToken = (claims: Record<string, unknown> = {}) =>
    sign(key, { kid: key.kid }, {
      ver: 1,
      jti: 'AT.Xk1NmS3YHCVqXmOn4qf5m3OaKzTw8c0y9vQm1u6xG7s',
      iss: issuer,
      aud: 'api://default',
      iat: now() - 5,
      exp: now() + 3600,
      cid,
      scp: [readOnly, 'orders:read'],
      sub: cid,
      ...claims,
    })

  beforeAll(async () => {
    key = await makeKey('RS256', 'Bm1pHu9dDFl8GeL0_Eu3Q2JSPuXJgUxdORz0vfSLnNg')
    await okta.start([key.publicJwk], '/oauth2/default/v1/keys')
  })
  afterAll(() => okta.close())

  it('is accepted: client from cid, API role from scp', async () => {
    const verifier = okta.verifier({ name: 'Okta', issuer, audience: 'api://default', clientId: cid })
    const token = await oktaToken()
    const verified = await verifier.verify(token)
    expect(verified).toMatchObject({
      clientId: cid,
      clientIdClaim: 'cid',
      subject: cid,
      scopes: [readOnly, 'orders:read'],
      apiRoles: [readOnlyRole],
      header: { alg: 'RS256', kid: key.kid, typ: undefined },
      authorization: { adminId },
    })
    expect(verified.claims.uid).toBeUndefined()
  })

  it('refuses a token of another Okta client when clientId is configured (invalid_client)', async () => {
    const verifier = okta.verifier({ name: 'Okta', issuer, audience: 'api://default', clientId: cid })
    const error = await refusal(verifier.verify(await oktaToken({ cid: '0oa9OTHERCLIENT0000', sub: '0oa9OTHERCLIENT0000' })))
    expect(error).toMatchObject({ code: 'invalid_client', status: 401, claim: 'cid', expected: cid, actual: '0oa9OTHERCLIENT0000' })
  })

  it('refuses an Okta org authorization server token (issuer https://{org}.okta.com, invalid_issuer)', async () => {
    const verifier = okta.verifier({ name: 'Okta', issuer, audience: 'api://default' })
    const error = await refusal(verifier.verify(await oktaToken({ iss: 'https://acme.okta.com', aud: 'https://acme.okta.com' })))
    expect(error).toMatchObject({ code: 'invalid_issuer', expected: issuer, actual: 'https://acme.okta.com' })
  })

  it('cannot require typ at+jwt: Okta access tokens carry no typ (invalid_typ)', async () => {
    const verifier = okta.verifier({ name: 'Okta', issuer, audience: 'api://default', requireAccessTokenType: true })
    const error = await refusal(verifier.verify(await oktaToken()))
    expect(error).toMatchObject({ code: 'invalid_typ', status: 401, claim: 'header.typ', actual: undefined })
  })
})

// ─── Microsoft Entra ID ────────────────────────────────────────────────────────────────────────
// "Access token claims reference", Microsoft identity platform
// (https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference):
// header `typ: JWT`, `alg: RS256`, `kid` (and the legacy `x5t`, same value, in v1.0 tokens).
// App-only (client-credentials) tokens carry the application's app roles in `roles`, no `scp`.
// v1.0: `iss` https://sts.windows.net/{tid}/, `aud` the API's App ID URI (or its client ID),
// `appid` + `appidacr`, `idp` (the tenant's sts issuer), `oid`, `sub`, `tid`, `ver: "1.0"`.
// v2.0: `iss` https://login.microsoftonline.com/{tid}/v2.0, `aud` always the API's client ID
// (a GUID), `azp` + `azpacr`, `oid`, `sub`, `tid`, `ver: "2.0"`.
// Entra's JWKS (https://login.microsoftonline.com/common/discovery/v2.0/keys) keys have kty, use,
// kid, x5t, n, e, x5c and `issuer`, and NO `alg`; the keys are shared by every tenant, which is why
// the issuer check is what separates tenants. (x5c is left out here: tokenward only type-checks it.)
describe('Microsoft Entra ID access tokens (v1.0 and v2.0, app roles)', () => {
  const entra = vendorHarness()
  const tenant = 'a1b2c3d4-6c67-4c5b-b112-36a304b66dad'
  const otherTenant = 'f0e1d2c3-0000-4000-8000-00000000beef'
  const clientAppId = 'c0ffee00-1111-4222-8333-444455556666'
  const apiAppId = 'b0a1b2c3-7777-4888-9999-aaaabbbbcccc'
  const apiAppIdUri = 'api://tokenward-orders'
  const servicePrincipal = '4d2c9f1e-2b3a-4c5d-8e9f-0a1b2c3d4e5f'
  const v1Issuer = (tid: string) => `https://sts.windows.net/${tid}/`
  const v2Issuer = (tid: string) => `https://login.microsoftonline.com/${tid}/v2.0`
  let key: TestKey

  const common = (tid: string) => ({
    iat: now() - 60,
    nbf: now() - 60,
    exp: now() + 3600,
    aio: 'E2RgYJg9mPl5v8ZbO2r3sA8=',
    oid: servicePrincipal,
    rh: '0.AXEA1nZ3o9bK5kGq-2BYw-T5yQ.',
    roles: [readOnly],
    sub: servicePrincipal,
    tid,
    uti: 'rYxg7V2mXE2tJ6fW0aSuAA',
  })
  const v1Token = (tid = tenant, claims: Record<string, unknown> = {}) =>
    sign(key, { typ: 'JWT', x5t: key.kid, kid: key.kid }, {
      aud: apiAppIdUri,
      iss: v1Issuer(tid),
      ...common(tid),
      appid: clientAppId,
      appidacr: '1',
      idp: v1Issuer(tid),
      ver: '1.0',
      ...claims,
    })
  const v2Token = (tid = tenant, claims: Record<string, unknown> = {}) =>
    sign(key, { typ: 'JWT', kid: key.kid }, {
      aud: apiAppId,
      iss: v2Issuer(tid),
      ...common(tid),
      azp: clientAppId,
      azpacr: '1',
      ver: '2.0',
      ...claims,
    })

  beforeAll(async () => {
    key = await makeKey('RS256', 'nOo3ZDrODXEK1jKWhXslHR_KXEg')
    const published = { ...withoutMembers(key.publicJwk, 'alg'), x5t: key.kid, issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0' }
    await entra.start([published], '/common/discovery/v2.0/keys')
  })
  afterAll(() => entra.close())

  it('accepts a v1.0 token: client from appid, API role from the roles claim', async () => {
    const verifier = entra.verifier({ name: 'EntraV1', issuer: v1Issuer(tenant), audience: apiAppIdUri, clientId: clientAppId })
    const verified = await verifier.verify(await v1Token())
    expect(verified).toMatchObject({
      clientId: clientAppId,
      clientIdClaim: 'appid',
      subject: servicePrincipal,
      scopes: [],
      roles: [readOnly],
      apiRoles: [readOnlyRole],
      header: { alg: 'RS256', kid: key.kid, typ: 'JWT' },
      authorization: { adminId },
    })
    expect(verified.claims.ver).toBe('1.0')
  })

  it('accepts a v2.0 token: client from azp, audience is the API’s client ID', async () => {
    const verifier = entra.verifier({ name: 'EntraV2', issuer: v2Issuer(tenant), audience: apiAppId, clientId: clientAppId })
    const verified = await verifier.verify(await v2Token())
    expect(verified).toMatchObject({ clientId: clientAppId, clientIdClaim: 'azp', roles: [readOnly], apiRoles: [readOnlyRole], authorization: { adminId } })
    expect(verified.claims).toMatchObject({ ver: '2.0', azpacr: '1' })
  })

  it('refuses a token from another tenant signed with the same shared keys (invalid_issuer)', async () => {
    const verifier = entra.verifier({ name: 'EntraV2', issuer: v2Issuer(tenant), audience: apiAppId })
    const error = await refusal(verifier.verify(await v2Token(otherTenant)))
    expect(error).toMatchObject({ code: 'invalid_issuer', status: 401, expected: v2Issuer(tenant), actual: v2Issuer(otherTenant) })
  })

  it('refuses a v1.0 token checked against a v2.0 issuer configuration (invalid_issuer)', async () => {
    const verifier = entra.verifier({ name: 'EntraV2', issuer: v2Issuer(tenant), audience: [apiAppId, apiAppIdUri] })
    const error = await refusal(verifier.verify(await v1Token()))
    expect(error).toMatchObject({ code: 'invalid_issuer', expected: v2Issuer(tenant), actual: v1Issuer(tenant) })
  })

  it('refuses a v2.0 token when the App ID URI is configured as audience (v2.0 aud is the client ID)', async () => {
    const verifier = entra.verifier({ name: 'EntraV2', issuer: v2Issuer(tenant), audience: apiAppIdUri })
    const error = await refusal(verifier.verify(await v2Token()))
    expect(error).toMatchObject({ code: 'invalid_audience', expected: [apiAppIdUri], actual: [apiAppId] })
  })

  it('fetched the keys once per verifier, never per token', () => {
    // Five verifiers above, each with its own key cache.
    expect(entra.fetches).toBe(5)
  })
})

// ─── PingFederate ──────────────────────────────────────────────────────────────────────────────
// PingFederate "JSON Web Tokens" access token manager, "Configuring JSON token management"
// (https://docs.pingidentity.com/pingfederate/latest/administrators_reference_guide/pf_configure_json_token_management.html):
// the client ID goes in the claim named by "Client ID Claim Name" (default `client_id`), scopes in
// the claim named by "Scope Claim Name" (default `scope`) — a space-delimited string when "Space
// Delimit Scope Values" is ticked, a JSON array otherwise; `iss`/`aud` only when "Issuer Claim
// Value"/"Audience Claim Value" are set; `kid` when "Include Key ID Header Parameter" is ticked;
// `typ` only when "Type Header Value" is set. Keys are published at /ext/oauth/{atm-id}/jwks (EC
// signing certificates for ES256 are supported).
describe('PingFederate (JWT access token manager) access tokens', () => {
  const ping = vendorHarness()
  const issuer = 'https://sso.acme.example:9031'
  const clientId = 'tokenward_orders_cc'
  let key: TestKey
  const pingToken = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
    sign(key, { kid: key.kid, ...header }, {
      scope: `${readOnly} orders.read`,
      client_id: clientId,
      iss: issuer,
      aud: 'https://api.tokenward.test',
      jti: 'HDbJvTq2PFJ0Kx6',
      exp: now() + 7200,
      ...claims,
    })

  beforeAll(async () => {
    key = await makeKey('ES256', 'k9Fz1t')
    await ping.start([withoutMembers(key.publicJwk, 'alg')], '/ext/oauth/jwtatm/jwks')
  })
  afterAll(() => ping.close())

  it('is accepted: client from client_id, API role from the space-delimited scope', async () => {
    const verifier = ping.verifier({ name: 'PingFederate', issuer, audience: 'https://api.tokenward.test', clientId })
    const verified = await verifier.verify(await pingToken())
    expect(verified).toMatchObject({
      clientId,
      clientIdClaim: 'client_id',
      subject: undefined,
      scopes: [readOnly, 'orders.read'],
      apiRoles: [readOnlyRole],
      header: { alg: 'ES256', kid: key.kid, typ: undefined },
      authorization: { adminId },
    })
  })

  it('accepts a "Type Header Value" of at+jwt when requireAccessTokenType is on', async () => {
    const verifier = ping.verifier({ name: 'PingFederate', issuer, audience: 'https://api.tokenward.test', requireAccessTokenType: true })
    const verified = await verifier.verify(await pingToken({}, { typ: 'at+jwt' }))
    expect(verified.header.typ).toBe('at+jwt')
  })

  it('accepts scope as a JSON array ("Space Delimit Scope Values" unticked), reading the API role from it', async () => {
    const verifier = ping.verifier({ name: 'PingFederate', issuer, audience: 'https://api.tokenward.test' })
    const verified = await verifier.verify(await pingToken({ scope: [readOnly, 'orders.read'] }))
    expect(verified.scopes).toEqual([readOnly, 'orders.read'])
    expect(verified.apiRoles).toEqual([{ cloud: 'zscloud', orgId: '12345', role: 'ReadOnly' }])
  })

  it('refuses a token without aud when an audience is configured ("Audience Claim Value" empty)', async () => {
    const verifier = ping.verifier({ name: 'PingFederate', issuer, audience: 'https://api.tokenward.test' })
    const error = await refusal(verifier.verify(await pingToken({ aud: undefined })))
    expect(error).toMatchObject({ code: 'missing_claim', claim: 'aud' })
  })
})

// ─── Keycloak ──────────────────────────────────────────────────────────────────────────────────
// Keycloak service-account (client-credentials) access token, per the Keycloak Server
// Administration Guide, "Service accounts" and "Audience support"
// (https://www.keycloak.org/docs/latest/server_admin/#_service_accounts,
// https://www.keycloak.org/docs/latest/server_admin/#audience-support), and decoded examples such
// as https://phasetwo.io/tutorials/getting-started/your-first-token/: header `alg: RS256`,
// `typ: JWT`, `kid`; claims `iss` https://{host}/realms/{realm}, `aud` "account" unless an
// audience mapper adds the API, `sub` (the service-account user's UUID), `typ: "Bearer"` (a CLAIM,
// not the header), `azp` (the client), `acr`, `allowed-origins`, `realm_access.roles`,
// `resource_access`, `scope` (space-delimited client scopes), `preferred_username`
// service-account-{client}, `clientHost`/`clientAddress`. The realm JWKS
// (/realms/{realm}/protocol/openid-connect/certs) also lists an RSA-OAEP encryption key.
describe('Keycloak (service account) access tokens', () => {
  const keycloak = vendorHarness()
  const issuer = 'https://sso.acme.example/realms/acme'
  const clientId = 'orders-service'
  const serviceAccountUser = '3c1a5e0b-7f0e-4b8e-a5c2-9d1f6e2b7a41'
  let key: TestKey
  const keycloakToken = (claims: Record<string, unknown> = {}) =>
    sign(key, { typ: 'JWT', kid: key.kid }, {
      exp: now() + 300,
      iat: now() - 1,
      jti: '5b1ef3f4-21f3-4c79-8e0b-2d4c0a3f9e11',
      iss: issuer,
      aud: ['tokenward-api', 'account'],
      sub: serviceAccountUser,
      typ: 'Bearer',
      azp: clientId,
      acr: '1',
      'allowed-origins': ['/*'],
      realm_access: { roles: ['offline_access', 'default-roles-acme', 'uma_authorization'] },
      resource_access: { account: { roles: ['manage-account', 'view-profile'] } },
      scope: `profile email ${readOnly}`,
      clientHost: '10.0.0.17',
      email_verified: false,
      preferred_username: `service-account-${clientId}`,
      clientAddress: '10.0.0.17',
      ...claims,
    })

  beforeAll(async () => {
    key = await makeKey('RS256', 'q2Ck7lKcVsU2tE6bS5bW4rP1sXb0n9mGzWdHaU8yRkA')
    const { publicKey } = await generateKeyPair('RSA-OAEP', { extractable: true })
    const encryptionKey: JWK = { ...(await exportJWK(publicKey)), kid: 'Xn4yV0m3-enc', alg: 'RSA-OAEP', use: 'enc' }
    await keycloak.start([key.publicJwk, encryptionKey], '/realms/acme/protocol/openid-connect/certs')
  })
  afterAll(() => keycloak.close())

  it('is accepted: client from azp, API role from the scope string; the typ claim is not the header', async () => {
    const verifier = keycloak.verifier({ name: 'Keycloak', issuer, audience: 'tokenward-api', clientId })
    const verified = await verifier.verify(await keycloakToken())
    expect(verified).toMatchObject({
      clientId,
      clientIdClaim: 'azp',
      subject: serviceAccountUser,
      audience: ['tokenward-api', 'account'],
      scopes: ['profile', 'email', readOnly],
      apiRoles: [readOnlyRole],
      header: { alg: 'RS256', typ: 'JWT' },
      authorization: { adminId },
    })
    expect(verified.claims.typ).toBe('Bearer')
  })

  it('accepts the client_id claim newer service-account mappers add next to azp (they agree)', async () => {
    const verifier = keycloak.verifier({ name: 'Keycloak', issuer, audience: 'tokenward-api', clientId })
    const verified = await verifier.verify(await keycloakToken({ client_id: clientId }))
    expect(verified).toMatchObject({ clientId, clientIdClaim: 'client_id' })
  })

  it('refuses a token without an audience mapper (aud is only "account": invalid_audience)', async () => {
    const verifier = keycloak.verifier({ name: 'Keycloak', issuer, audience: 'tokenward-api' })
    const error = await refusal(verifier.verify(await keycloakToken({ aud: 'account' })))
    expect(error).toMatchObject({ code: 'invalid_audience', expected: ['tokenward-api'], actual: ['account'] })
  })

  it('does not read realm_access.roles: an API role only there is insufficient_scope (403)', async () => {
    const verifier = keycloak.verifier({ name: 'Keycloak', issuer, audience: 'tokenward-api' })
    const token = await keycloakToken({ scope: 'profile email', realm_access: { roles: [readOnly, 'offline_access'] } })
    const error = await refusal(verifier.verify(token))
    expect(error).toMatchObject({ code: 'insufficient_scope', status: 403 })
  })
})

// ─── Amazon Cognito ────────────────────────────────────────────────────────────────────────────
// "Understanding the access token", Amazon Cognito Developer Guide
// (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html):
// header `kid` + `alg: RS256`; claims `sub` (for machine-to-machine, the app client ID),
// `token_use: "access"`, `scope`, `auth_time`, `iss` https://cognito-idp.{region}.amazonaws.com/{poolId},
// `exp`, `iat`, `version: 2`, `jti`, `client_id` — and NO `aud` (only ID tokens carry `aud`, set
// to the app client ID). Custom scopes are issued as "{resource server identifier}/{scope name}";
// a pre token generation trigger (V3_0, M2M) can add scopes verbatim. JWKS at
// /{poolId}/.well-known/jwks.json with alg, e, kid, kty, n, use.
// Configure tokenward for Cognito access tokens with NO audience and `clientId` set.
describe('Amazon Cognito (machine-to-machine) access tokens', () => {
  const cognito = vendorHarness()
  const poolId = 'us-east-1_AbCdEf123'
  const issuer = `https://cognito-idp.us-east-1.amazonaws.com/${poolId}`
  const appClientId = '1example23456789abcdefghij'
  let key: TestKey
  const cognitoToken = (claims: Record<string, unknown> = {}) =>
    sign(key, { kid: key.kid }, {
      sub: appClientId,
      token_use: 'access',
      scope: readOnly, // added by a pre token generation trigger; see the next test for the default form
      auth_time: now() - 2,
      iss: issuer,
      exp: now() + 3600,
      iat: now() - 2,
      version: 2,
      jti: 'd0a1b2c3-4e5f-4a7b-8c9d-0e1f2a3b4c5d',
      client_id: appClientId,
      ...claims,
    })

  beforeAll(async () => {
    key = await makeKey('RS256', 'abcdefghijklmnopqrsexample=')
    await cognito.start([key.publicJwk], `/${poolId}/.well-known/jwks.json`)
  })
  afterAll(() => cognito.close())

  it('is accepted with no audience configured and clientId set', async () => {
    const verifier = cognito.verifier({ name: 'Cognito', issuer, clientId: appClientId })
    const verified = await verifier.verify(await cognitoToken())
    expect(verified).toMatchObject({
      clientId: appClientId,
      clientIdClaim: 'client_id',
      audience: [],
      apiRoles: [readOnlyRole],
      uncheckedClaims: ['aud'],
      authorization: { adminId },
    })
    expect(verified.claims.token_use).toBe('access')
  })

  it('is refused when an audience is configured: Cognito access tokens have no aud (missing_claim)', async () => {
    const verifier = cognito.verifier({ name: 'Cognito', issuer, audience: appClientId, clientId: appClientId })
    const error = await refusal(verifier.verify(await cognitoToken()))
    expect(error).toMatchObject({ code: 'missing_claim', status: 401, claim: 'aud' })
  })

  it('does not parse resource-server-prefixed custom scopes as API roles (insufficient_scope)', async () => {
    const verifier = cognito.verifier({ name: 'Cognito', issuer, clientId: appClientId })
    const token = await cognitoToken({ scope: `tokenward-api/${readOnly}` })
    const error = await refusal(verifier.verify(token))
    expect(error).toMatchObject({ code: 'insufficient_scope', status: 403 })
  })

  it('refuses a Cognito ID token presented as an access token (it names no client claim)', async () => {
    const verifier = cognito.verifier({ name: 'Cognito', issuer, clientId: appClientId })
    const idToken = await sign(key, { kid: key.kid }, {
      sub: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      aud: appClientId,
      token_use: 'id',
      auth_time: now() - 2,
      iss: issuer,
      'cognito:username': 'alice',
      exp: now() + 3600,
      iat: now() - 2,
    })
    const error = await refusal(verifier.verify(idToken))
    expect(error).toMatchObject({ code: 'missing_claim', claim: 'client_id' })
  })
})

// ─── Auth0 ─────────────────────────────────────────────────────────────────────────────────────
// Auth0 "Access Token Profiles" (https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles):
// the default Auth0 profile carries the client in `azp`, the RFC 9068 profile in `client_id` with
// `typ: at+jwt`; with RBAC "Add Permissions in the Access Token" (dialect access_token_authz) the
// API permissions are in a `permissions` array. Client-credentials tokens carry
// `sub` "{client_id}@clients" and `gty: "client-credentials"`; `aud` is the API identifier, and
// `[api, https://{tenant}/userinfo]` when `openid` was requested. `iss` ends with "/". JWKS at
// /.well-known/jwks.json (kty, use, n, e, kid, x5t, x5c, alg RS256).
describe('Auth0 access tokens', () => {
  const auth0 = vendorHarness()
  const issuer = 'https://acme.us.auth0.com/'
  const api = 'https://api.tokenward.test'
  const clientId = 'Qx3yQ9H5vT0eW1mN7rL2kP8sD4fG6hJa'
  let key: TestKey
  const auth0Token = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = { typ: 'JWT' }) =>
    sign(key, { kid: key.kid, ...header }, {
      iss: issuer,
      sub: `${clientId}@clients`,
      aud: [api, 'https://acme.us.auth0.com/userinfo'],
      iat: now() - 3,
      exp: now() + 86400,
      scope: 'openid orders:read',
      gty: 'client-credentials',
      azp: clientId,
      permissions: [readOnly, 'orders:read'],
      ...claims,
    })

  beforeAll(async () => {
    key = await makeKey('RS256', 'NjVBRjY5MDlCMUIwNzU4RTA2QzZFMDQ4QzQ2MDAyQjVDNjk1RTM2Qg')
    await auth0.start([{ ...key.publicJwk, x5t: 'NjVBRjY5MDlCMUIwNzU4RTA2QzZFMDQ4QzQ2MDAyQjVDNjk1RTM2Qg' }], '/.well-known/jwks.json')
  })
  afterAll(() => auth0.close())

  it('is accepted (Auth0 profile): client from azp, API role from permissions, aud array', async () => {
    const verifier = auth0.verifier({ name: 'Auth0', issuer, audience: api, clientId })
    const verified = await verifier.verify(await auth0Token())
    expect(verified).toMatchObject({
      clientId,
      clientIdClaim: 'azp',
      subject: `${clientId}@clients`,
      audience: [api, 'https://acme.us.auth0.com/userinfo'],
      scopes: ['openid', 'orders:read', readOnly],
      apiRoles: [readOnlyRole],
      authorization: { adminId },
    })
    expect(verified.claims.gty).toBe('client-credentials')
  })

  it('is accepted (RFC 9068 profile): client_id, typ at+jwt, single aud', async () => {
    const verifier = auth0.verifier({ name: 'Auth0', issuer, audience: api, clientId, requireAccessTokenType: true })
    const token = await auth0Token(
      { azp: undefined, client_id: clientId, aud: api, jti: '73WakrfVbNJBaAmhQtEeDv', scope: readOnly, permissions: undefined },
      { typ: 'at+jwt' },
    )
    const verified = await verifier.verify(token)
    expect(verified).toMatchObject({ clientIdClaim: 'client_id', audience: [api], apiRoles: [readOnlyRole], header: { typ: 'at+jwt' } })
  })

  it('refuses a token of another application (azp: invalid_client) and one for another API (invalid_audience)', async () => {
    const verifier = auth0.verifier({ name: 'Auth0', issuer, audience: api, clientId })
    const otherClient = await refusal(verifier.verify(await auth0Token({ azp: 'SomeOtherApplication0000000000000', sub: 'SomeOtherApplication0000000000000@clients' })))
    expect(otherClient).toMatchObject({ code: 'invalid_client', claim: 'azp' })
    const otherApi = await refusal(verifier.verify(await auth0Token({ aud: 'https://billing.acme.example' })))
    expect(otherApi).toMatchObject({ code: 'invalid_audience', actual: ['https://billing.acme.example'] })
  })

  it('refuses an issuer written without the trailing slash Auth0 puts in iss (exact match)', async () => {
    const verifier = auth0.verifier({ name: 'Auth0', issuer: 'https://acme.us.auth0.com', audience: api })
    const error = await refusal(verifier.verify(await auth0Token()))
    expect(error).toMatchObject({ code: 'invalid_issuer', expected: 'https://acme.us.auth0.com', actual: issuer })
  })
})
