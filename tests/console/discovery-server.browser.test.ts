// A server left to discovery (issue 13) in the console, in Chromium: the table lists it, and the
// edit dialog validates it through the authorization server's metadata (no JWKS URL to type), so
// it can be saved; the stored server keeps `discovery` and gains no invented JWKS URL.
import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey } from '../../packages/core/src/testing/mint.test-support.ts'
import { startHttpServer, type TestServer } from '../../packages/core/src/platform/tls-fixture.test-support.ts'
import { organization, startConsoleApp, type ConsoleApp } from './console-app.test-support.ts'

const chromiumPath = process.env.TOKENWARD_CHROMIUM ?? '/usr/bin/chromium-headless-shell'

let browser: Browser
let app: ConsoleApp
let as: TestServer
const problems: string[] = []

beforeAll(async () => {
  if (!existsSync(chromiumPath)) throw new Error(`No browser at ${chromiumPath}: apt-get install -y chromium-headless-shell, or set TOKENWARD_CHROMIUM`)
  const key = await makeKey('ES256', 'disc-1')
  as = await startHttpServer((req, res) => {
    if (req.url === '/.well-known/oauth-authorization-server') {
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: as.origin, jwks_uri: `${as.origin}/jwks` }))
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [key.publicJwk] }))
  })
  const seeded = { name: 'Disc', description: 'From metadata', enabled: false, issuer: as.origin, discovery: true } as never
  app = await startConsoleApp([organization('disco', { authorizationServers: [seeded] })])
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await Promise.all([app?.close(), as?.close()])
})

describe('a discovery server in the console', () => {
  let page: Page

  it('is listed in the table', async () => {
    const context = await browser.newContext({ locale: 'en-US' })
    await context.addCookies([{ name: 'session', value: 'alice', url: app.origin, httpOnly: true, sameSite: 'Lax' }])
    page = await context.newPage()
    page.setDefaultTimeout(10_000)
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    await page.goto(`${app.origin}/console/orgs/disco/`)
    const row = page.getByRole('row', { name: /Disc/ })
    await row.waitFor()
    expect(await row.getByRole('cell').allTextContents()).toEqual(['Disabled', 'From metadata', 'never', expect.stringContaining('Edit')])
  })

  it('is edited without a JWKS URL: Validate reads the metadata, then Save keeps discovery', async () => {
    await page.getByRole('button', { name: 'Edit Disc' }).click()
    const dialog = page.getByRole('dialog', { name: 'Edit Authorization Server' })
    expect(await dialog.getByLabel('Issuer').inputValue()).toBe(as.origin)
    await dialog.getByLabel('Description').fill('Through its metadata')
    await dialog.getByRole('button', { name: 'Validate' }).click()
    await dialog.getByText('Validation succeeded.').waitFor()
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialog.waitFor({ state: 'hidden' })
    await page.getByRole('row', { name: /Disc/ }).getByRole('cell', { name: 'Through its metadata' }).waitFor()
    const stored = (await app.store.get('disco'))?.authorizationServers[0]
    expect(stored).toMatchObject({ name: 'Disc', description: 'Through its metadata', discovery: true, issuer: as.origin })
    expect(stored?.jwksUrl).toBeUndefined()
    expect(problems).toEqual([])
  })
})
