// DEMO ONLY: a sign-in form for the console, so `npm start` can show the page in a browser.
// A real host signs its admins in with its own login (SSO, passwords, MFA) and gives the admin
// API an `authenticate` that reads its own session. Here one fixed password opens a session for
// one admin, kept in memory.
import { randomBytes } from 'node:crypto'
import { apiKeyManagementPermission, type Actor } from '@tokenward/core/organization'
import express, { type Express } from 'express'

const cookieName = 'tokenward_demo_session'

export interface DemoLogin {
  /** The password the form accepts (printed by the demo). */
  readonly password: string
  /** The admin a request's session cookie signs in, if any. */
  actorOf(request: Request): Actor | undefined
  /** Adds `GET /login` and `POST /login` to the app. */
  mount(app: Express, consolePath: string): void
}

const page = (message: string): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Demo sign-in</title></head>
<body>
<main>
<h1>tokenward demo — sign in</h1>
<p><strong>Demo only.</strong> This form stands in for your application's own login. It is not a login to copy.</p>
${message === '' ? '' : `<p role="alert">${message}</p>`}
<form method="post" action="/login">
<p><label for="admin">Admin</label> <input id="admin" name="admin" value="alice@12345" readonly></p>
<p><label for="password">Demo password</label> <input id="password" name="password" type="password" autocomplete="off" required></p>
<p><button type="submit">Sign in</button></p>
</form>
</main>
</body></html>`

export function createDemoLogin(admin: Actor = { id: 'alice@12345', permissions: [apiKeyManagementPermission] }): DemoLogin {
  const password = randomBytes(6).toString('base64url')
  const sessions = new Map<string, Actor>()
  return {
    password,
    actorOf(request) {
      const value = new RegExp(`(?:^|;\\s*)${cookieName}=([A-Za-z0-9_-]+)`).exec(request.headers.get('cookie') ?? '')?.[1]
      return value === undefined ? undefined : sessions.get(value)
    },
    mount(app, consolePath) {
      const headers = { 'content-security-policy': "default-src 'none'; form-action 'self'; frame-ancestors 'none'", 'cache-control': 'no-store' }
      app.get('/login', (_req, res) => {
        res.set(headers).type('html').send(page(''))
      })
      app.post('/login', express.urlencoded({ extended: false, limit: '2kb' }), (req, res) => {
        if ((req.body as { password?: unknown } | undefined)?.password !== password) {
          res.status(401).set(headers).type('html').send(page('Wrong demo password.'))
          return
        }
        const session = randomBytes(24).toString('base64url')
        sessions.set(session, admin)
        res.cookie(cookieName, session, { httpOnly: true, sameSite: 'strict', path: '/' })
        res.redirect(303, consolePath)
      })
    },
  }
}
