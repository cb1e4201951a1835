// The examples as an evaluator runs them (built packages, Node 24 running the TypeScript sources).
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

describe('examples', () => {
  // `npm start` runs this after building the packages; under a test (no terminal) it exits when done.
  it('the demo walks every step, the OneAPI half included, and exits 0', () => {
    const out = execFileSync(process.execPath, ['examples/express-api/src/demo.ts'], { cwd: root, encoding: 'utf8', timeout: 90_000 })
    expect(out).not.toMatch(/✘/)
    expect(out).toMatch(/Every step behaved as described\./)
    // The customer's own authorization server.
    expect(out).toMatch(/✔ a valid token is served/)
    expect(out).toMatch(/✔ then 503, never 401/)
    // OneAPI: role and client through the admin API, a token from the built-in issuer, RBAC, disable.
    expect(out).toMatch(/✔ the admin adds the API role "Auditor"/)
    expect(out).toMatch(/✔ the API client is saved with a generated client secret/)
    expect(out).toMatch(/✔ reading the client back never shows the secret/)
    expect(out).toMatch(/✔ the client gets a token for its role \(zscloud::12345::Auditor\)/)
    expect(out).toMatch(/GET \/orgs\/12345\/reports → 200 .*"caller":"audit-bot"/)
    expect(out).toMatch(/POST \/orgs\/12345\/policies → 403 insufficient_scope/)
    expect(out).toMatch(/✔ its next token is refused \(401 invalid_client\)/)
    expect(out).toMatch(/✔ and the token it already holds stops working at once/)
    expect(out).toMatch(/✔ every change and every call was audited/)
    expect(out).toMatch(/Console: http:\/\/127\.0\.0\.1:\d+\/console\/orgs\/12345\//)
  }, 120_000)


  it('the CLI walk-through (second half of npm start) ends with issuer serve and exits 0', () => {
    const out = execFileSync(process.execPath, ['scripts/demo-cli.mjs'], { cwd: root, encoding: 'utf8', timeout: 60_000 })
    expect(out).not.toMatch(/✘/)
    expect(out).toMatch(/✔ the rotation cost exactly one extra JWKS fetch/)
    expect(out).toMatch(/client_credentials with client_secret_basic → 200 Bearer, scope "zscloud::12345::ReadOnly"/)
    expect(out).toMatch(/✔ a wrong secret is refused \(401\)/)
    expect(out).toMatch(/✔ tokenward verify accepts the issued token/)
    expect(out).toMatch(/Every step behaved as described\./)
  }, 90_000)

  it('the Lambda example invokes its authorizer and handler locally with sample events', () => {
    const out = execFileSync(process.execPath, ['examples/lambda/src/invoke-locally.ts'], { cwd: root, encoding: 'utf8', timeout: 60_000 })
    expect(out).toMatch(/TOKEN authorizer → Allow/)
    expect(out).toMatch(/throws "Unauthorized"/)
    expect(out).toMatch(/statusCode: 200/)
    expect(out).toMatch(/statusCode: 401/)
  })
})
