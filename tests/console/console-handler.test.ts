// The console handler as a Web handler (the way Deno, Bun and Workers mount it) and through
// Express's admin mount: routes, the security headers on every answer, and build-time options.
import type { AddressInfo } from 'node:net'
import { adminApi } from '@tokenward/express'
import { ConsoleConfigError, consoleContentSecurityPolicy, createAdminConsole } from '@tokenward/console'
import express from 'express'
import { describe, expect, it } from 'vitest'

const handler = createAdminConsole({ adminApiBase: '/admin/', basePath: '/console/', apiBaseUrl: (orgId) => `https://api.example.com/orgs/${orgId}/` })
const get = (path: string, init?: RequestInit): Promise<Response> => handler(new Request(`https://admin.example.com${path}`, init))

function expectSecurityHeaders(response: Response): void {
  expect(response.headers.get('content-security-policy')).toBe(consoleContentSecurityPolicy)
  expect(response.headers.get('x-content-type-options')).toBe('nosniff')
  expect(response.headers.get('referrer-policy')).toBe('no-referrer')
  expect(response.headers.get('x-frame-options')).toBe('DENY')
}

describe('createAdminConsole (Web handler)', () => {
  it('the CSP allows only its own script, style and API, requires Trusted Types and forbids framing', () => {
    for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "require-trusted-types-for 'script'"]) {
      expect(consoleContentSecurityPolicy).toContain(directive)
    }
    expect(consoleContentSecurityPolicy).not.toMatch(/unsafe|\*/)
  })

  it('serves the page of an organization: settings in meta tags, no inline script or style', async () => {
    const page = await get('/console/orgs/acme/')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('cache-control')).toBe('no-store')
    expectSecurityHeaders(page)
    const html = await page.text()
    expect(html).toContain('<meta name="tokenward-org-id" content="acme">')
    expect(html).toContain('<meta name="tokenward-admin-api" content="/admin/">')
    expect(html).toContain('https://api.example.com/orgs/acme/')
    expect(html).toMatch(/<script src="\/console\/assets\/console\.js" defer><\/script>/)
    expect(html).not.toMatch(/<script>|<style|\sstyle=|\son[a-z]+=/i)
  })

  it('serves the bundled script and style with their types', async () => {
    const js = await get('/console/assets/console.js')
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expectSecurityHeaders(js)
    const script = await js.text()
    expect(script).toContain('x-tokenward-admin')
    // The page builds its DOM without HTML strings (what Trusted Types would refuse).
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(/)
    const css = await get('/console/assets/console.css')
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect(await css.text()).toContain('dialog')
  })

  it('answers 404 for other paths and organization IDs that are not unreserved characters, 405 for other methods', async () => {
    for (const path of ['/console/', '/console/orgs/', '/console/orgs/a%3Cb/', '/console/orgs/../', '/elsewhere/orgs/acme/', '/console/assets/other.js']) {
      const r = await get(path)
      expect(r.status, path).toBe(404)
      expectSecurityHeaders(r)
    }
    const post = await get('/console/orgs/acme/', { method: 'POST' })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD')
    const head = await get('/console/orgs/acme/', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
  })

  it('escapes what it writes into the page', async () => {
    const h = createAdminConsole({ adminApiBase: '/admin/', apiBaseUrl: () => 'https://x.example/"><script>alert(1)</script>' })
    const html = await (await h(new Request('https://a.example/orgs/acme/'))).text()
    expect(html).not.toContain('<script>alert')
    expect(html).toContain('&lt;script&gt;')
  })

  it('checks its options when built, naming each bad one', () => {
    expect(() => createAdminConsole({ adminApiBase: 'https://elsewhere.example/admin/', basePath: 'console', apiBaseUrl: 'x' as never, extra: 1 } as never)).toThrow(ConsoleConfigError)
    try {
      createAdminConsole({ adminApiBase: '//evil.example/', basePath: 'console', title: '' } as never)
    } catch (error) {
      expect((error as ConsoleConfigError)._tag).toBe('ConsoleConfigError')
      expect((error as ConsoleConfigError).issues.map((i) => i.path)).toEqual(['adminApiBase', 'basePath', 'title'])
    }
  })
})

describe('createAdminConsole mounted in Express through adminApi', () => {
  it('serves the page and assets at the mounted path', async () => {
    const app = express()
    app.use('/console', adminApi(handler))
    const server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    try {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const page = await fetch(`${origin}/console/orgs/acme/`)
      expect(page.status).toBe(200)
      expect(page.headers.get('content-security-policy')).toBe(consoleContentSecurityPolicy)
      expect((await fetch(`${origin}/console/assets/console.js`)).status).toBe(200)
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
