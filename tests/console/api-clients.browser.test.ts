// The API Clients and API Roles sections in a real browser (Debian's chromium-headless-shell
// driven by playwright-core), end to end: the real admin API behind a cookie session, a real JWKS
// server on 127.0.0.1, and the real issuer reading the same organizations, so a client added in
// the page gets a token with the secret the page showed once. Found by role and label; axe and a
// CSP violation listener run on the way. Needs the build (`npm test` runs it first).
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { createIssuer, createOrganizationClientStore, type Issuer } from '@tokenward/issuer'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey } from '../../packages/core/src/testing/mint.test-support.ts'
import { createTestCertificateAuthority, startHttpServer, type TestServer } from '../../packages/core/src/platform/tls-fixture.test-support.ts'
import { organization, startConsoleApp, type ConsoleApp } from './console-app.test-support.ts'

const chromiumPath = process.env.TOKENWARD_CHROMIUM ?? '/usr/bin/chromium-headless-shell'
const screenshots = fileURLToPath(new URL(process.env.TOKENWARD_UPDATE_SCREENSHOTS === '1' ? '../../docs/console/' : '../../.tokenward-tmp/console-screenshots/', import.meta.url))
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const issuerId = 'https://auth.oneapi.test'

let browser: Browser
let context: BrowserContext
let app: ConsoleApp
let keys: TestServer
let issuer: Issuer
let page: Page
const problems: string[] = []

const roles = { ReadOnly: ['reports'], Admin: ['reports', 'policies'] }
const expired = organization('frozen', { apiRoles: roles, subscriptionValidUntil: Math.floor(Date.now() / 1000) - 60 })
const suspended = organization('halted', { apiRoles: roles, suspension: { reason: 'terms_violation', since: Math.floor(Date.now() / 1000) } })

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(`No browser at ${chromiumPath}: apt-get install -y chromium-headless-shell (what .ci/run does), or set TOKENWARD_CHROMIUM`)
  }
  // An API client's own key set, served over HTTP on 127.0.0.1.
  const key = await makeKey('ES256', 'batch-1')
  const jwks = JSON.stringify({ keys: [key.publicJwk] })
  keys = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(jwks)
  })
  app = await startConsoleApp([organization('acme', { apiRoles: roles }), expired, suspended])
  // The issuer reads API clients from the same organizations the admin API writes.
  issuer = createIssuer({
    issuer: issuerId,
    organization: { cloud: 'zscloud', orgId: 'acme', cloudDomain: 'zscloud.net', apiRoles: Object.keys(roles) },
    clients: createOrganizationClientStore({ organizations: app.store }),
  })
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] })
  context = await browser.newContext({ locale: 'en-US', timezoneId: 'Europe/Paris', viewport: { width: 1024, height: 720 } })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.origin })
  await context.addCookies([{ name: 'session', value: 'alice', url: app.origin, httpOnly: true, sameSite: 'Lax' }])
  mkdirSync(screenshots, { recursive: true })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await issuer?.close()
  await Promise.all([app?.close(), keys?.close()])
})

/** Opens the console of an organization, listening for CSP violations and console errors. */
async function open(orgId: string, ctx: BrowserContext = context): Promise<Page> {
  const p = await ctx.newPage()
  p.setDefaultTimeout(8_000)
  p.on('console', (message) => {
    if (message.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) problems.push(`console: ${message.text()}`)
  })
  p.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  await p.exposeFunction('reportViolation', (text: string) => problems.push(`CSP: ${text}`))
  await p.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      ;(window as unknown as { reportViolation(t: string): void }).reportViolation(`${e.violatedDirective} ${e.blockedURI}`)
    })
  })
  await p.goto(`${app.origin}/console/orgs/${orgId}/`)
  await p.getByRole('table', { name: /^API roles of organization/ }).getByRole('row').nth(1).waitFor()
  return p
}

async function axeScan(p: Page): Promise<string[]> {
  await p.evaluate(axeSource)
  const result = await p.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }).axe
    return (await axe.run()).violations
  })
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.nodes.length})`)
}

const tokenFor = async (clientId: string, clientSecret: string): Promise<{ status: number; body: { access_token?: string; scope?: string; error?: string } }> => {
  const response = await issuer.handle(
    new Request(`${issuerId}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}` },
      body: 'grant_type=client_credentials',
    }),
  )
  return { status: response.status, body: await response.json() }
}

/** Waits until the focused element is the one named (a dialog's 'close' event, which moves focus, comes after close()). */
const focusOn = async (text: string): Promise<void> => {
  await page.waitForFunction((t) => document.activeElement?.textContent === t, text, { timeout: 3_000 })
}
const clientsTable = () => page.getByRole('table', { name: /^API clients of organization acme/ })
const rolesTable = () => page.getByRole('table', { name: /^API roles of organization acme/ })

/** Reads the one-time secret from its dialog, copies it with the Copy button, and closes the dialog. */
async function takeSecret(clientId: string, screenshot?: string): Promise<string> {
  const dialog = page.getByRole('dialog', { name: 'Client Secret' })
  await dialog.waitFor()
  expect(await dialog.textContent()).toMatch(/shown only this once and cannot be shown again/)
  const shown = await dialog.getByLabel(`Client secret of ${clientId}`).inputValue()
  expect(shown).toMatch(/^[A-Za-z0-9_-]{43}$/)
  await dialog.getByRole('button', { name: 'Copy' }).click()
  await dialog.getByText('Copied to the clipboard.').waitFor()
  if (screenshot !== undefined) await page.screenshot({ path: `${screenshots}${screenshot}` })
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shown)
  await dialog.getByRole('button', { name: 'Done' }).click()
  await dialog.waitFor({ state: 'hidden' })
  // Once closed, the secret is nowhere in the page any more.
  expect(await page.evaluate((s) => document.documentElement.outerHTML.includes(s) || [...document.querySelectorAll('input')].some((i) => i.value === s), shown)).toBe(false)
  return shown
}

describe('the API Clients and API Roles sections in Chromium', () => {
  it('the section links move focus to each section, with the keyboard alone', async () => {
    page = await open('acme')
    const nav = page.getByRole('navigation', { name: 'Console sections' })
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Authorization Servers', 'API Clients', 'API Roles', 'Audit Logs'])
    for (const [tabs, heading] of [
      [1, 'API Clients'],
      [2, 'API Roles'],
      [3, 'Audit Logs'],
    ] as const) {
      await nav.getByRole('link', { name: 'Authorization Servers' }).focus()
      for (let i = 0; i < tabs; i++) await page.keyboard.press('Tab')
      await page.keyboard.press('Enter')
      await page.waitForFunction((h) => document.activeElement?.tagName === 'H2' && document.activeElement.textContent === h, heading, { timeout: 3_000 })
    }
    await nav.getByRole('link', { name: 'API Clients' }).focus()
    await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('Enter')
    await page.waitForFunction(() => document.activeElement?.tagName === 'H1', undefined, { timeout: 3_000 })
    expect(await clientsTable().getByRole('columnheader').allTextContents()).toEqual(['Name', 'Client ID', 'Status', 'Authentication Method', 'Roles', 'Actions'])
    expect(await clientsTable().getByRole('cell', { name: 'No API clients yet.' }).isVisible()).toBe(true)
  })

  it('Add API Client with a JWKS URL: Save appears only after Validate succeeded for exactly the URL shown', async () => {
    await page.getByRole('button', { name: 'Add API Client' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add API Client' })
    const save = dialog.getByRole('button', { name: 'Save' })
    await dialog.getByLabel('Name').fill('Batch jobs')
    await dialog.getByLabel('Client ID').fill('batch')
    await dialog.getByRole('checkbox', { name: 'Admin' }).check()
    expect(await dialog.getByRole('radio', { name: 'JWKS URL' }).isChecked()).toBe(true)
    expect(await save.isVisible()).toBe(false)
    const url = dialog.getByRole('textbox', { name: 'JWKS URL' })
    await url.fill(`${keys.origin}/jwks`)
    await dialog.getByRole('button', { name: 'Validate' }).click()
    await dialog.getByText('Validation succeeded.').waitFor()
    expect(await save.isVisible()).toBe(true)
    await url.fill(`${keys.origin}/jwks?v=2`)
    expect(await save.isVisible()).toBe(false)
    await url.fill(`${keys.origin}/jwks`)
    expect(await save.isVisible()).toBe(false)
    await dialog.getByRole('button', { name: 'Validate' }).click()
    await save.waitFor()
    await save.click()
    await dialog.waitFor({ state: 'hidden' })
    expect(await clientsTable().getByRole('row', { name: /Batch jobs/ }).getByRole('cell').allTextContents()).toEqual([
      'batch',
      'Enabled',
      'JWKS URL',
      'Admin',
      expect.stringContaining('Edit'),
    ])
  })

  it('Add API Client with a client secret: field errors beside their fields; the secret is shown once, copied, and gets a token from the issuer', async () => {
    await page.getByRole('button', { name: 'Add API Client' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add API Client' })
    await dialog.getByLabel('Name').fill('CI pipeline')
    await dialog.getByLabel('Client ID').fill('c i')
    await dialog.getByRole('checkbox', { name: 'ReadOnly' }).check()
    await dialog.getByRole('radio', { name: 'Client Secret' }).check()
    await dialog.getByRole('button', { name: 'Save' }).click()
    await page.waitForFunction(() => document.getElementById('c-clientId')?.getAttribute('aria-invalid') === 'true')
    expect(await page.locator('#c-clientId-error').textContent()).toMatch(/characters/)
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('c-clientId')
    await dialog.getByLabel('Client ID').fill('ci')
    await dialog.getByRole('button', { name: 'Save' }).click()
    const secret = await takeSecret('ci', 'client-secret.png')
    // Focus returns to Add API Client.
    await focusOn('Add API Client')
    expect(await clientsTable().getByRole('row', { name: /CI pipeline/ }).getByRole('cell').nth(2).textContent()).toBe('Client Secret')
    const issued = await tokenFor('ci', secret)
    expect([issued.status, issued.body.scope]).toEqual([200, 'zscloud::acme::ReadOnly'])
  })

  it('Add API Client with a certificate: a pasted private key is refused beside the field, never stored; the certificate file is accepted', async () => {
    const leaf = createTestCertificateAuthority('Partner CA').issue({ dnsNames: ['partner.example'] })
    await page.getByRole('button', { name: 'Add API Client' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add API Client' })
    await dialog.getByLabel('Name').fill('Partner')
    await dialog.getByRole('radio', { name: 'Certificate' }).check()
    await dialog.getByLabel('Certificate (PEM)').fill(leaf.privateKeyPem)
    await dialog.getByRole('button', { name: 'Save' }).click()
    await page.waitForFunction(() => document.getElementById('c-pem')?.getAttribute('aria-invalid') === 'true')
    expect(await page.locator('#c-pem-error').textContent()).toMatch(/contains a private key/)
    await dialog.getByLabel('Upload a certificate file').setInputFiles({ name: 'partner.crt', mimeType: 'application/x-x509-ca-cert', buffer: Buffer.from(leaf.certificatePem) })
    await page.waitForFunction(() => (document.getElementById('c-pem') as HTMLTextAreaElement).value.startsWith('-----BEGIN CERTIFICATE-----'))
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialog.waitFor({ state: 'hidden' })
    const row = clientsTable().getByRole('row', { name: /Partner/ })
    expect(await row.getByRole('cell').nth(2).textContent()).toBe('Certificate')
    const stored = JSON.stringify(await app.store.get('acme'))
    expect(stored).not.toContain('PRIVATE KEY')
    await page.getByRole('button', { name: 'Delete Partner' }).click()
    await page.getByRole('dialog', { name: 'Delete API Client' }).getByRole('button', { name: 'OK' }).click()
    await row.waitFor({ state: 'detached' })
  })

  it('Rotate Secret shows the new secret once; dropping the previous one stops it at the issuer', async () => {
    await page.getByRole('button', { name: 'Rotate Secret CI pipeline' }).click()
    const rotate = page.getByRole('dialog', { name: 'Rotate Secret' })
    await rotate.getByRole('button', { name: 'Rotate' }).click()
    const second = await takeSecret('ci')
    expect(await clientsTable().getByRole('row', { name: /CI pipeline/ }).getByRole('cell').nth(2).textContent()).toBe('Client Secret (2 secrets)')
    expect((await tokenFor('ci', second)).status).toBe(200)
    await page.getByRole('button', { name: 'Rotate Secret CI pipeline' }).click()
    await rotate.getByLabel(/Drop the previous secret now/).check()
    await rotate.getByRole('button', { name: 'Rotate' }).click()
    const third = await takeSecret('ci')
    await focusOn('Rotate Secret CI pipeline')
    expect(await clientsTable().getByRole('row', { name: /CI pipeline/ }).getByRole('cell').nth(2).textContent()).toBe('Client Secret')
    expect((await tokenFor('ci', second)).status).toBe(401)
    expect((await tokenFor('ci', third)).status).toBe(200)
    ;(globalThis as { ciSecret?: string }).ciSecret = third
  })

  it('Disable keeps focus on the row and the issuer refuses the client; Edit changes name, roles and key source', async () => {
    await page.getByRole('button', { name: 'Disable CI pipeline' }).click()
    await clientsTable().getByRole('row', { name: /CI pipeline/ }).getByRole('cell', { name: 'Disabled' }).waitFor()
    await focusOn('Enable CI pipeline')
    const refused = await tokenFor('ci', (globalThis as { ciSecret?: string }).ciSecret as string)
    expect([refused.status, refused.body.error]).toEqual([401, 'invalid_client'])
    await page.getByRole('button', { name: 'Edit Batch jobs' }).click()
    const dialog = page.getByRole('dialog', { name: 'Edit API Client' })
    expect(await dialog.getByLabel('Client ID').getAttribute('readonly')).not.toBeNull()
    // The stored, already validated URL saves without a new Validate.
    expect(await dialog.getByRole('button', { name: 'Save' }).isVisible()).toBe(true)
    await dialog.getByLabel('Name').fill('Nightly batch')
    await dialog.getByRole('checkbox', { name: 'ReadOnly' }).check()
    await dialog.getByRole('radio', { name: 'Public Key' }).check()
    const jwk = JSON.stringify((await makeKey('ES256', 'batch-2')).publicJwk)
    await dialog.getByLabel('Upload a public key file').setInputFiles({ name: 'batch.json', mimeType: 'application/json', buffer: Buffer.from(jwk) })
    await page.waitForFunction(() => (document.getElementById('c-pem') as HTMLTextAreaElement).value.startsWith('{'))
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialog.waitFor({ state: 'hidden' })
    expect(await clientsTable().getByRole('row', { name: /Nightly batch/ }).getByRole('cell').allTextContents()).toEqual([
      'batch',
      'Enabled',
      'Public Key',
      'ReadOnly, Admin',
      expect.stringContaining('Edit'),
    ])
  })

  it('API Roles: add and edit a role with category checkboxes and free text', async () => {
    await page.getByRole('button', { name: 'Add API Role' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add API Role' })
    // The choices are the categories the organization's roles already grant.
    const categories = dialog.getByRole('group', { name: 'API Resource Categories' }).getByRole('checkbox')
    expect(await categories.evaluateAll((boxes) => boxes.map((b) => (b as HTMLInputElement).value))).toEqual(['policies', 'reports'])
    await dialog.getByLabel('Name').fill('Auditor')
    await dialog.getByRole('checkbox', { name: 'reports' }).check()
    await dialog.getByLabel('Other categories (separated by spaces)').fill('audit-trail')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialog.waitFor({ state: 'hidden' })
    expect(await rolesTable().getByRole('row', { name: /Auditor/ }).getByRole('cell').first().textContent()).toBe('reports, audit-trail')
    await page.getByRole('button', { name: 'Edit role Auditor' }).click()
    const edit = page.getByRole('dialog', { name: 'Edit API Role' })
    expect(await edit.getByRole('checkbox', { name: 'audit-trail' }).isChecked()).toBe(true)
    await edit.getByRole('checkbox', { name: 'reports' }).uncheck()
    await edit.getByRole('checkbox', { name: 'policies' }).check()
    await edit.getByRole('button', { name: 'Save' }).click()
    await edit.waitFor({ state: 'hidden' })
    expect(await rolesTable().getByRole('row', { name: /Auditor/ }).getByRole('cell').first().textContent()).toBe('audit-trail, policies')
    await page.getByRole('heading', { name: 'API Roles' }).scrollIntoViewIfNeeded()
    await page.screenshot({ path: `${screenshots}roles.png` })
  })

  it('deleting a role in use is refused in words, naming the clients; the explicit detach then deletes it', async () => {
    await page.getByRole('button', { name: 'Delete role Admin' }).click()
    const dialog = page.getByRole('dialog', { name: 'Delete API Role' })
    await dialog.getByRole('button', { name: 'OK' }).click()
    await dialog.getByRole('alert').getByText(/cannot be deleted yet/).waitFor()
    expect(await dialog.getByRole('alert').textContent()).toMatch(/"Nightly batch" \(batch\)/)
    expect(await rolesTable().getByRole('row', { name: /Admin/ }).count()).toBe(1)
    await dialog.getByLabel('Remove "Admin" from these API clients and delete it').check()
    await dialog.getByRole('button', { name: 'OK' }).click()
    await dialog.waitFor({ state: 'hidden' })
    expect(await rolesTable().getByRole('row', { name: /^Admin/ }).count()).toBe(0)
    expect(await clientsTable().getByRole('row', { name: /Nightly batch/ }).getByRole('cell').nth(3).textContent()).toBe('ReadOnly')
  })

  it('Delete API Client asks first, then removes the row and focuses Add API Client', async () => {
    await page.getByRole('button', { name: 'Delete Nightly batch' }).click()
    const dialog = page.getByRole('dialog', { name: 'Delete API Client' })
    expect(await dialog.textContent()).toMatch(/gets no more tokens/)
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await focusOn('Delete Nightly batch')
    await page.getByRole('button', { name: 'Delete Nightly batch' }).click()
    await dialog.getByRole('button', { name: 'OK' }).click()
    await dialog.waitFor({ state: 'hidden' })
    expect(await clientsTable().getByRole('row', { name: /Nightly batch/ }).count()).toBe(0)
    await focusOn('Add API Client')
    const audit = page.getByRole('table', { name: /^Changes and API calls of organization acme/ })
    await audit.getByRole('row', { name: /Delete API client/ }).first().waitFor()
    expect(await audit.getByRole('row', { name: /Delete API client/ }).count()).toBe(2)
  })

  it('keyboard only: the Add API Client dialog keeps focus, its method is chosen with arrow keys, Escape returns to the opener', async () => {
    await page.getByRole('button', { name: 'Add API Client' }).focus()
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog', { name: 'Add API Client' })
    await dialog.waitFor()
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('c-name')
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab')
      if ((await page.evaluate(() => document.activeElement?.id)) === 'c-method-jwks') break
    }
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('c-method-jwks')
    await page.keyboard.press('ArrowDown')
    expect(await dialog.getByRole('radio', { name: 'Certificate' }).isChecked()).toBe(true)
    expect(await dialog.getByLabel('Certificate (PEM)').isVisible()).toBe(true)
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press('Tab')
      const inside = await page.evaluate(() => document.activeElement === document.body || document.getElementById('client-dialog')?.contains(document.activeElement))
      expect(inside).toBe(true)
    }
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    await focusOn('Add API Client')
  })

  it('is usable 360 px wide, and axe finds no serious or critical violation (page and dialogs)', async () => {
    await page.getByRole('button', { name: 'Add API Client' }).click()
    await page.getByRole('dialog', { name: 'Add API Client' }).getByLabel('Name').fill('Reporting')
    await page.getByRole('dialog', { name: 'Add API Client' }).getByRole('radio', { name: 'Client Secret' }).check()
    await page.getByRole('dialog', { name: 'Add API Client' }).getByRole('button', { name: 'Save' }).click()
    await takeSecret(await clientsTable().getByRole('row', { name: /Reporting/ }).getByRole('cell').first().textContent().then((t) => t as string))
    await page.setViewportSize({ width: 360, height: 740 })
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
    await page.getByRole('heading', { name: 'API Clients' }).scrollIntoViewIfNeeded()
    expect(await page.getByRole('button', { name: 'Rotate Secret Reporting' }).isVisible()).toBe(true)
    await page.screenshot({ path: `${screenshots}clients-narrow.png` })
    expect(await axeScan(page)).toEqual([])
    await page.getByRole('button', { name: 'Add API Client' }).click()
    await page.getByRole('dialog', { name: 'Add API Client' }).waitFor()
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
    expect(await axeScan(page)).toEqual([])
    await page.keyboard.press('Escape')
    await page.getByRole('button', { name: 'Delete role Auditor' }).click()
    await page.getByRole('dialog', { name: 'Delete API Role' }).waitFor()
    expect(await axeScan(page)).toEqual([])
    await page.keyboard.press('Escape')
    await page.setViewportSize({ width: 1024, height: 720 })
    await page.getByRole('heading', { name: 'API Clients' }).scrollIntoViewIfNeeded()
    await page.screenshot({ path: `${screenshots}clients.png` })
  })
})

describe('API clients and roles, read-only', () => {
  it.each([
    ['expired subscription', 'frozen', /subscription has expired/],
    ['provider suspension', 'halted', /terms and conditions[\s\S]*Contact support/],
  ])('%s: every change to clients and roles is disabled, with the reason', async (_state, orgId, banner) => {
    const p = await open(orgId)
    expect(await p.getByRole('status').first().textContent()).toMatch(banner)
    expect(await p.getByRole('button', { name: 'Add API Client' }).isDisabled()).toBe(true)
    expect(await p.getByText('Changes are not allowed (see above).').count()).toBeGreaterThanOrEqual(2)
    expect(await p.getByRole('button', { name: 'Add API Role' }).isDisabled()).toBe(true)
    expect(await p.getByRole('button', { name: 'Edit role ReadOnly' }).isDisabled()).toBe(true)
    expect(await p.getByRole('button', { name: 'Delete role Admin' }).isDisabled()).toBe(true)
    await p.close()
  })

  it('no API Key Management permission: read-only with the reason', async () => {
    const bob = await browser.newContext()
    await bob.addCookies([{ name: 'session', value: 'bob', url: app.origin }])
    const p = await open('acme', bob)
    expect(await p.getByRole('button', { name: 'Add API Client' }).isDisabled()).toBe(true)
    expect(await p.getByText('you need an admin role with the API Key Management permission to manage API clients').isVisible()).toBe(true)
    expect(await p.getByRole('button', { name: 'Add API Role' }).isDisabled()).toBe(true)
    await bob.close()
  })

  it('no CSP violation and no console error happened on any page', () => {
    expect(problems).toEqual([])
  })
})
