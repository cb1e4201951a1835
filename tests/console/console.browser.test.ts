// The admin console in a real browser (Debian's chromium-headless-shell driven by
// playwright-core), end to end: the real admin API behind a cookie session, real JWKS servers on
// 127.0.0.1 (HTTP, and HTTPS with a test CA), real API calls that fill "Last Successful Fetch
// Time". Everything is found by role and label, as a person would; an axe-core scan and a CSP
// violation listener run on the way. Needs the build (`npm test` runs it first).
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint } from '../../packages/core/src/testing/mint.test-support.ts'
import { createTestCertificateAuthority, startHttpServer, startHttpsServer, type TestServer } from '../../packages/core/src/platform/tls-fixture.test-support.ts'
import { organization, startConsoleApp, type ConsoleApp } from './console-app.test-support.ts'

const chromiumPath = process.env.TOKENWARD_CHROMIUM ?? '/usr/bin/chromium-headless-shell'
// Every run takes the screenshots; `TOKENWARD_UPDATE_SCREENSHOTS=1` writes them over the ones the
// README shows (docs/console), otherwise they go to the ignored .tokenward-tmp folder.
const screenshots = fileURLToPath(new URL(process.env.TOKENWARD_UPDATE_SCREENSHOTS === '1' ? '../../docs/console/' : '../../.tokenward-tmp/console-screenshots/', import.meta.url))
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

let browser: Browser
let context: BrowserContext
let app: ConsoleApp
let idp: TestServer
let jwksUrl: string
let token: string
let httpsJwks: TestServer
let attacker: TestServer
let introspection: TestServer
const introspectionSecret = 'console-introspection-s3cr3t'
const problems: string[] = []

const suspended = organization('halted', { suspension: { reason: 'api_call_threshold_exceeded', since: Math.floor(Date.now() / 1000) } })
const expired = organization('frozen', { subscriptionValidUntil: Math.floor(Date.now() / 1000) - 60 })

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(`No browser at ${chromiumPath}: apt-get install -y chromium-headless-shell (what .ci/run does), or set TOKENWARD_CHROMIUM`)
  }
  // The customer's authorization server: its JWKS over HTTP, and over HTTPS with a test CA.
  const key = await makeKey('ES256', 'acme-1')
  const jwks = JSON.stringify({ keys: [key.publicJwk] })
  idp = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(jwks)
  })
  jwksUrl = `${idp.origin}/jwks`
  token = await mint(key, { claims: { iss: 'https://idp.test', aud: 'https://api.test', scope: 'zscloud::acme::ReadOnly' } })
  const ca = createTestCertificateAuthority()
  httpsJwks = await startHttpsServer(ca.issue({ ipAddresses: ['127.0.0.1'] }), (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(jwks)
  })
  // The customer's introspection endpoint (RFC 7662): tokenward-rs with the right secret gets
  // {"active":false} for a token it never issued; any other credentials get 401.
  introspection = await startHttpServer((req, res) => {
    req.resume()
    req.on('end', () => {
      if (req.headers.authorization !== `Basic ${btoa(`tokenward-rs:${introspectionSecret}`)}`) {
        return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}')
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"active":false}')
    })
  })
  const seeded = { name: 'Legacy', description: 'Kept while frozen', enabled: true, jwksUrl } as never
  app = await startConsoleApp([
    organization('acme'),
    { ...expired, authorizationServers: [seeded] },
    { ...suspended, authorizationServers: [seeded] },
  ])
  // A page on another origin (another port of 127.0.0.1) that tries to change things with the
  // admin's cookie: a plain form POST and a no-cors fetch.
  const target = `${app.origin}/admin/orgs/acme/authorization-servers/AcmeIdP/disable`
  attacker = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>Win a prize</title>
<form id="f" method="POST" action="${target}" target="sink"><input name="x" value="1"></form><iframe name="sink"></iframe>
<script>
fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'x-tokenward-admin': '1' }, body: '{}' }).finally(() => document.getElementById('f').submit())
</script>`)
  })
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] })
  context = await browser.newContext({ locale: 'en-US', timezoneId: 'Europe/Paris', viewport: { width: 1024, height: 720 } })
  await context.addCookies([{ name: 'session', value: 'alice', url: app.origin, httpOnly: true, sameSite: 'Lax' }])
  mkdirSync(screenshots, { recursive: true })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await Promise.all([app?.close(), idp?.close(), httpsJwks?.close(), attacker?.close(), introspection?.close()])
})

/** Opens the console of an organization, listening for CSP violations and console errors. */
async function open(orgId: string, ctx: BrowserContext = context): Promise<Page> {
  const page = await ctx.newPage()
  page.setDefaultTimeout(5_000)
  page.on('console', (message) => {
    // The API's 4xx answers the page shows (a refused name, no permission) are logged by the
    // browser as failed resources: expected. Anything else is a problem.
    if (message.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) problems.push(`console: ${message.text()}`)
  })
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  await page.exposeFunction('reportViolation', (text: string) => problems.push(`CSP: ${text}`))
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      ;(window as unknown as { reportViolation(t: string): void }).reportViolation(`${e.violatedDirective} ${e.blockedURI}`)
    })
  })
  await page.goto(`${app.origin}/console/orgs/${orgId}/`)
  await page.getByRole('table', { name: /^Authorization servers of organization/ }).getByRole('row').nth(1).waitFor()
  return page
}

async function axeScan(page: Page): Promise<string[]> {
  await page.evaluate(axeSource)
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }).axe
    return (await axe.run()).violations
  })
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.nodes.length})`)
}

describe('the OAuth 2.0 Authorization Servers page in Chromium', () => {
  let page: Page

  it('shows the base URL, an empty table, the seed columns, and Add enabled', async () => {
    page = await open('acme')
    await expect(page.getByRole('heading', { name: 'OAuth 2.0 Authorization Servers', level: 1 }).isVisible()).resolves.toBe(true)
    expect(await page.getByText('Base URL:').textContent()).toContain(`${app.origin}/orgs/acme/`)
    const headers = await page.getByRole('table', { name: /^Authorization servers of organization/ }).getByRole('columnheader').allTextContents()
    expect(headers).toEqual(['Authorization Server Name', 'Status', 'Description', 'Last Successful Fetch Time', 'Actions'])
    expect(await page.getByRole('cell', { name: 'No authorization servers yet.' }).isVisible()).toBe(true)
    expect(await page.getByRole('button', { name: 'Add Authorization Server' }).isEnabled()).toBe(true)
  })

  it('Add: Save appears only after Validate succeeded for exactly the URL and TLS setting shown; API field errors sit beside their fields', async () => {
    await page.getByRole('button', { name: 'Add Authorization Server' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add Authorization Server' })
    expect(await dialog.isVisible()).toBe(true)
    const save = dialog.getByRole('button', { name: 'Save' })
    expect(await save.isVisible()).toBe(false)
    await dialog.getByLabel('Name', { exact: true }).fill('Acme IdP')
    await dialog.getByLabel('Description').fill('Workforce')
    await dialog.getByLabel('OAuth 2.0 JWKS Location').fill(jwksUrl)
    await dialog.getByRole('button', { name: 'Validate' }).click()
    const report = dialog.getByRole('status')
    await report.getByText('Validation succeeded.').waitFor()
    expect(await report.textContent()).toMatch(/Reachable[\s\S]*1 key found, 1 usable signing key \(ES256\)/)
    expect(await save.isVisible()).toBe(true)
    // Changing the URL hides Save; putting it back does not bring it back without a new Validate.
    await dialog.getByLabel('OAuth 2.0 JWKS Location').fill(`${jwksUrl}?v=2`)
    expect(await save.isVisible()).toBe(false)
    await dialog.getByLabel('OAuth 2.0 JWKS Location').fill(jwksUrl)
    expect(await save.isVisible()).toBe(false)
    await dialog.getByRole('button', { name: 'Validate' }).click()
    await save.waitFor()
    // Toggling the certificate setting hides it too.
    await dialog.getByLabel('JWKS Server Certificate Validation').uncheck()
    expect(await save.isVisible()).toBe(false)
    await dialog.getByLabel('JWKS Server Certificate Validation').check()
    await dialog.getByRole('button', { name: 'Validate' }).click()
    await save.waitFor()
    await dialog.getByLabel('Audience URI').fill('https://api.test')
    await dialog.getByLabel('Issuer URI').fill('https://idp.test')
    await save.click()
    // The API refuses the name with a space: the message sits beside Name, which is marked invalid.
    const name = dialog.getByLabel('Name', { exact: true })
    await page.waitForFunction(() => document.getElementById('f-name')?.getAttribute('aria-invalid') === 'true')
    expect(await page.locator('#f-name-error').textContent()).toMatch(/alphanumeric|letters|characters/i)
    await name.fill('AcmeIdP')
    await save.click()
    await dialog.waitFor({ state: 'hidden' })
    const row = page.getByRole('row', { name: /AcmeIdP/ })
    expect(await row.getByRole('cell').allTextContents()).toEqual(['Enabled', 'Workforce', 'never', expect.stringContaining('Edit')])
  })

  it('real API calls fill Last Successful Fetch Time, shown in the admin time zone', async () => {
    const served = await fetch(`${app.origin}/orgs/acme/reports`, { headers: { authorization: `Bearer ${token}` } })
    expect(served.status).toBe(200)
    await page.reload()
    const cell = page.getByRole('row', { name: /AcmeIdP/ }).locator('time')
    const iso = await cell.getAttribute('datetime')
    expect(Date.now() - Date.parse(iso as string)).toBeLessThan(60_000)
    expect(await cell.textContent()).toMatch(/GMT\+1|CET/)
  })

  it('the column chooser hides a column and remembers it in the browser', async () => {
    await page.getByText('Columns', { exact: true }).click()
    await page.getByRole('checkbox', { name: 'Description' }).uncheck()
    expect(await page.getByRole('columnheader', { name: 'Description' }).isVisible()).toBe(false)
    await page.reload()
    await page.getByRole('row', { name: /AcmeIdP/ }).waitFor()
    expect(await page.getByRole('columnheader', { name: 'Description' }).isVisible()).toBe(false)
    await page.getByText('Columns', { exact: true }).click()
    await page.getByRole('checkbox', { name: 'Description' }).check()
    expect(await page.getByRole('columnheader', { name: 'Description' }).isVisible()).toBe(true)
  })

  it('HTTPS with a test CA: Validate reports the refused certificate; switching validation off validates; enabling it offers the atomic switch', async () => {
    await page.getByRole('button', { name: 'Add Authorization Server' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add Authorization Server' })
    expect(await dialog.getByLabel('Enable', { exact: true }).isChecked()).toBe(false)
    await dialog.getByLabel('Name', { exact: true }).fill('Backup')
    await dialog.getByLabel('OAuth 2.0 JWKS Location').fill(`${httpsJwks.origin}/jwks`)
    await dialog.getByRole('button', { name: 'Validate' }).click()
    await dialog.getByText('Validation failed.').waitFor()
    expect(await dialog.getByRole('status').textContent()).toMatch(/TLS/)
    expect(await dialog.getByRole('button', { name: 'Save' }).isVisible()).toBe(false)
    await dialog.getByLabel('JWKS Server Certificate Validation').uncheck()
    await dialog.getByRole('button', { name: 'Validate' }).click()
    await dialog.getByText('Validation succeeded.').waitFor()
    expect(await dialog.getByRole('status').textContent()).toMatch(/not checked/)
    await dialog.getByLabel('Enable', { exact: true }).check()
    expect(await dialog.getByText('"AcmeIdP" is enabled now').isVisible()).toBe(true)
    await dialog.getByRole('button', { name: 'Save' }).click()
    expect(await dialog.getByRole('alert').textContent()).toMatch(/choose to switch/)
    await dialog.getByLabel('Disable "AcmeIdP" and enable this server in one change').check()
    await page.screenshot({ path: `${screenshots}add-dialog.png` })
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialog.waitFor({ state: 'hidden' })
    expect(await page.getByRole('row', { name: /Backup/ }).getByRole('cell').first().textContent()).toBe('Enabled')
    expect(await page.getByRole('row', { name: /AcmeIdP/ }).getByRole('cell').first().textContent()).toBe('Disabled')
  })

  it('Add is disabled, with the reason, when the organization has two servers', async () => {
    const add = page.getByRole('button', { name: 'Add Authorization Server' })
    expect(await add.isDisabled()).toBe(true)
    expect(await page.getByText('up to 2 authorization servers; delete one to add another').isVisible()).toBe(true)
    await page.screenshot({ path: `${screenshots}servers.png` })
  })

  it('editing the server in use shows the disruption warning and asks to confirm', async () => {
    await page.getByRole('button', { name: 'Edit Backup' }).click()
    const dialog = page.getByRole('dialog', { name: 'Edit Authorization Server' })
    expect(await dialog.getByText('This authorization server is in use').isVisible()).toBe(true)
    await dialog.getByLabel('Description').fill('Failover')
    await dialog.getByRole('button', { name: 'Validate' }).click()
    await dialog.getByText('Validation succeeded.').waitFor()
    await dialog.getByRole('button', { name: 'Save' }).click()
    expect(await dialog.getByRole('alert').textContent()).toMatch(/confirm/)
    await dialog.getByLabel('I understand; save anyway').check()
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialog.waitFor({ state: 'hidden' })
    expect(await page.getByText(/is the server in use; clients may be refused/).isVisible()).toBe(true)
    await page.getByRole('row', { name: /Backup/ }).getByRole('cell', { name: 'Failover' }).waitFor()
  })

  it('an attacking page on another origin cannot change anything with the admin cookie', async () => {
    const evil = await context.newPage()
    const refused: number[] = []
    evil.on('response', (r) => {
      if (r.url().includes('/admin/')) refused.push(r.status())
    })
    await evil.goto(`${attacker.origin}/`)
    await evil.waitForTimeout(500)
    await evil.close()
    expect(refused.length).toBeGreaterThan(0)
    expect(refused.every((s) => s === 403)).toBe(true)
    await page.reload()
    await page.getByRole('row', { name: /AcmeIdP/ }).waitFor()
    // AcmeIdP was already disabled by the switch; nothing else changed: Backup is still enabled.
    expect(await page.getByRole('row', { name: /Backup/ }).getByRole('cell').first().textContent()).toBe('Enabled')
  })

  it('Delete asks first; for the server in use it says clients can no longer call the API', async () => {
    await page.getByRole('button', { name: 'Delete Backup' }).click()
    const dialog = page.getByRole('dialog', { name: 'Delete Authorization Server' })
    expect(await dialog.textContent()).toMatch(/in use\. If you delete it, client applications can no longer access the API/)
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    expect(await page.getByRole('row', { name: /Backup/ }).isVisible()).toBe(true)
    await page.getByRole('button', { name: 'Delete Backup' }).click()
    await dialog.getByRole('button', { name: 'OK' }).click()
    await dialog.waitFor({ state: 'hidden' })
    await page.getByText('Deleted "Backup".').waitFor()
    expect(await page.getByRole('row', { name: /Backup/ }).count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Add Authorization Server' }).isEnabled()).toBe(true)
  })

  it('Audit Logs: changes and API calls newest first, with the admin ID, filtered by action and time', async () => {
    const audit = page.getByRole('table', { name: /^Changes and API calls of organization acme/ })
    await audit.getByRole('row', { name: /Delete authorization server/ }).waitFor()
    const first = await audit.getByRole('row').nth(1).getByRole('cell').allTextContents()
    expect(first.slice(1)).toEqual(['alice', 'Delete authorization server', 'accepted'])
    expect(await audit.getByRole('row', { name: /API call/ }).first().getByRole('cell').allTextContents()).toEqual([
      expect.any(String),
      'oauth-ReadOnly$@acme.zscloud.net',
      'API call',
      'allowed',
    ])
    await page.getByLabel('Action', { exact: true }).selectOption({ label: 'Add authorization server' })
    await page.getByRole('button', { name: 'Filter' }).click()
    await audit.getByRole('row', { name: /API call/ }).waitFor({ state: 'detached' })
    const actions = await audit.getByRole('row').locator('td:nth-child(3)').allTextContents()
    expect(actions).toEqual(['Add authorization server', 'Add authorization server', 'Add authorization server'])
    // Backup, then AcmeIdP, then the refused "Acme IdP" (refused changes are audited too).
    expect(await audit.getByRole('row').locator('td:nth-child(4)').allTextContents()).toEqual(['accepted', 'accepted', 'rejected'])
    // A time range that ends before anything happened.
    await page.getByLabel('To', { exact: true }).fill('2020-01-01T00:00:00')
    await page.getByRole('button', { name: 'Filter' }).click()
    await audit.getByRole('cell', { name: 'No entries.' }).waitFor()
    await page.getByLabel('To', { exact: true }).fill('')
    await page.getByLabel('Action', { exact: true }).selectOption({ label: 'All actions' })
    await page.getByRole('button', { name: 'Filter' }).click()
    await audit.getByRole('row', { name: /API call/ }).first().waitFor()
  })

  it('Show Advanced Settings: introspection with a client secret against a real endpoint; Validate reports it in words; Save; re-open shows the values, never the secret', async () => {
    await page.getByRole('button', { name: 'Edit AcmeIdP' }).click()
    const dialog = page.getByRole('dialog', { name: 'Edit Authorization Server' })
    const toggle = dialog.getByRole('button', { name: 'Show Advanced Settings' })
    expect(await toggle.getAttribute('aria-expanded')).toBe('false')
    expect(await dialog.getByLabel('Introspection Endpoint').isVisible()).toBe(false)
    await toggle.click()
    expect(await dialog.getByRole('button', { name: 'Hide Advanced Settings' }).getAttribute('aria-expanded')).toBe('true')
    const group = dialog.getByRole('group', { name: 'Introspection' })
    await group.getByLabel('Introspection Endpoint').fill(`${introspection.origin}/as/introspect.oauth2`)
    await group.getByLabel('Client ID').fill('tokenward-rs')
    expect(await group.getByLabel('Client Credentials Type').inputValue()).toBe('secret')
    // The three credential types show their own inputs.
    await group.getByLabel('Client Credentials Type').selectOption({ label: 'Mutual TLS' })
    expect(await group.getByLabel('Client Certificate (PEM)').isVisible()).toBe(true)
    expect(await group.getByLabel('Client Secret').isVisible()).toBe(false)
    await group.getByLabel('Client Credentials Type').selectOption({ label: 'Private Key JWT' })
    expect(await group.getByLabel('Signing Private Key (PEM or JWK)').isVisible()).toBe(true)
    await group.getByLabel('Client Credentials Type').selectOption({ label: 'Secret' })
    await group.getByLabel('Client Secret').fill('not-the-secret')
    await group.getByLabel('Token Time To Live').fill('300')
    await group.getByLabel('Send Audience').check()
    expect(await group.getByLabel('Cache Tokens').isChecked()).toBe(true)
    await dialog.getByLabel('Subject Attribute Name').fill('client_id')
    await dialog.getByLabel('Use Proxy').check()
    expect(await dialog.getByLabel('Proxy URL').isVisible()).toBe(true)
    await dialog.getByLabel('Use Proxy').uncheck()
    const dpop = dialog.getByRole('group', { name: 'DPoP' })
    await dpop.getByLabel('DPoP Type').selectOption({ label: 'Enabled' })
    await dpop.getByLabel('Require Nonce').check()
    await dpop.getByLabel('DPoP Proof Lifetime (SEC.)').fill('60')

    // Wrong secret: the refusal in words, no status code, no Save.
    await dialog.getByRole('button', { name: 'Validate' }).click()
    await dialog.getByText('Validation failed.').waitFor()
    const report = dialog.getByRole('status')
    expect(await report.textContent()).toMatch(/Introspection: the authorization server refused the client credentials/)
    expect(await report.textContent()).not.toMatch(/401|invalid_client/)
    expect(await dialog.getByRole('button', { name: 'Save' }).isVisible()).toBe(false)

    await group.getByLabel('Client Secret').fill(introspectionSecret)
    await dialog.getByRole('button', { name: 'Validate' }).click()
    await dialog.getByText('Validation succeeded.').waitFor()
    expect(await report.textContent()).toMatch(/1 key found[\s\S]*Introspection: the authorization server accepted the client credentials/)
    // Changing the client ID hides Save again.
    await group.getByLabel('Client ID').fill('tokenward-other')
    expect(await dialog.getByRole('button', { name: 'Save' }).isVisible()).toBe(false)
    await group.getByLabel('Client ID').fill('tokenward-rs')
    await dialog.getByRole('button', { name: 'Validate' }).click()
    await dialog.getByRole('button', { name: 'Save' }).waitFor()
    expect(await axeScan(page)).toEqual([])
    await group.getByLabel('Client Credentials Type').scrollIntoViewIfNeeded()
    await page.screenshot({ path: `${screenshots}advanced-settings.png` })
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialog.waitFor({ state: 'hidden' })

    await page.reload()
    await page.getByRole('button', { name: 'Edit AcmeIdP' }).click()
    await dialog.getByRole('button', { name: 'Show Advanced Settings' }).click()
    expect(await group.getByLabel('Introspection Endpoint').inputValue()).toBe(`${introspection.origin}/as/introspect.oauth2`)
    expect(await group.getByLabel('Client ID').inputValue()).toBe('tokenward-rs')
    expect(await group.getByLabel('Client Credentials Type').inputValue()).toBe('secret')
    expect(await group.getByLabel('Client Secret').inputValue()).toBe('')
    expect(await group.getByText('Stored, and never shown').first().isVisible()).toBe(true)
    expect(await group.getByLabel('Token Time To Live').inputValue()).toBe('300')
    expect(await group.getByLabel('Send Audience').isChecked()).toBe(true)
    expect(await dialog.getByLabel('Subject Attribute Name').inputValue()).toBe('client_id')
    expect(await dialog.getByLabel('Use Proxy').isChecked()).toBe(false)
    expect(await dpop.getByLabel('DPoP Type').inputValue()).toBe('enabled')
    expect(await dpop.getByLabel('Require Nonce').isChecked()).toBe(true)
    expect(await dpop.getByLabel('DPoP Proof Lifetime (SEC.)').inputValue()).toBe('60')
    // The secret reached the page only while the admin typed it: nothing the API sent holds it.
    expect(await page.content()).not.toContain(introspectionSecret)
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
  })

  it('the advanced settings work with the keyboard alone', async () => {
    await page.getByRole('button', { name: 'Edit AcmeIdP' }).focus()
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog', { name: 'Edit Authorization Server' })
    await dialog.waitFor()
    await dialog.getByRole('button', { name: 'Show Advanced Settings' }).focus()
    await page.keyboard.press('Enter')
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-introspectionEndpoint')
    // Type the secret again (never shown), validate and save, all from the keyboard.
    await dialog.getByLabel('Client Secret').focus()
    await page.keyboard.type(introspectionSecret)
    await dialog.getByRole('button', { name: 'Validate' }).focus()
    await page.keyboard.press('Enter')
    await dialog.getByText('Validation succeeded.').waitFor()
    await dialog.getByRole('button', { name: 'Save' }).focus()
    await page.keyboard.press('Enter')
    await dialog.waitFor({ state: 'hidden' })
    await page.getByText('Saved "AcmeIdP".').waitFor()
  })

  it('works with the keyboard alone; the dialog keeps focus; Escape returns it to the opener', async () => {
    const add = page.getByRole('button', { name: 'Add Authorization Server' })
    await add.focus()
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog', { name: 'Add Authorization Server' })
    await dialog.waitFor()
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-name')
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press('Tab')
      const inside = await page.evaluate(() => document.activeElement === document.body || document.getElementById('server-dialog')?.contains(document.activeElement))
      expect(inside).toBe(true)
    }
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Add Authorization Server')
  })

  it('is usable 360 px wide, and axe finds no serious or critical violation', async () => {
    await page.setViewportSize({ width: 360, height: 740 })
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
    expect(await page.getByRole('button', { name: 'Edit AcmeIdP' }).isVisible()).toBe(true)
    await page.screenshot({ path: `${screenshots}narrow.png` })
    expect(await axeScan(page)).toEqual([])
    await page.getByRole('button', { name: 'Edit AcmeIdP' }).click()
    await page.getByRole('dialog', { name: 'Edit Authorization Server' }).waitFor()
    expect(await axeScan(page)).toEqual([])
    await page.keyboard.press('Escape')
  })
})

describe('read-only states', () => {
  it('expired subscription: readable, every change disabled, the banner says it returns on renewal', async () => {
    const page = await open('frozen')
    expect(await page.getByRole('status').first().textContent()).toMatch(/subscription has expired[\s\S]*re-enabled when the subscription is renewed/)
    expect(await page.getByRole('row', { name: /Legacy/ }).getByRole('cell').first().textContent()).toBe('Disabled (subscription expired)')
    expect(await page.getByRole('button', { name: 'Add Authorization Server' }).isDisabled()).toBe(true)
    expect(await page.getByRole('button', { name: 'Edit Legacy' }).isDisabled()).toBe(true)
    expect(await page.getByRole('button', { name: 'Delete Legacy' }).isDisabled()).toBe(true)
    await page.close()
  })

  it('provider suspension: servers shown disabled with the reason, changes disabled, contact support', async () => {
    const page = await open('halted')
    expect(await page.getByRole('status').first().textContent()).toMatch(/threshold for the number of API calls[\s\S]*Contact support/)
    expect(await page.getByRole('row', { name: /Legacy/ }).getByRole('cell').first().textContent()).toBe('Disabled (suspended by the provider)')
    expect(await page.getByRole('button', { name: 'Edit Legacy' }).isDisabled()).toBe(true)
    await page.screenshot({ path: `${screenshots}suspended.png` })
    await page.close()
  })

  it('no API Key Management permission: read-only with the reason', async () => {
    const bob = await browser.newContext()
    await bob.addCookies([{ name: 'session', value: 'bob', url: app.origin }])
    const page = await open('acme', bob)
    expect(await page.getByRole('status').first().textContent()).toMatch(/API Key Management permission/)
    expect(await page.getByRole('button', { name: 'Add Authorization Server' }).isDisabled()).toBe(true)
    await bob.close()
  })

  it('no CSP violation and no console error happened on any page', () => {
    expect(problems).toEqual([])
    expect(existsSync(`${screenshots}servers.png`)).toBe(true)
  })
})
