// Test support: an RFC 7662 introspection endpoint on 127.0.0.1 whose behaviour a test switches
// (answers per token, slow, 500, garbage, 401, 429, unsupported_token_type), recording every
// request it receives. Not part of the package (excluded from builds).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export type FakeAsBehaviour = 'answer' | 'slow' | '500' | 'garbage' | '401' | '403' | '429' | 'unsupported_token_type' | 'string-active'

export interface RecordedRequest {
  readonly method: string
  readonly headers: Record<string, string | string[] | undefined>
  readonly form: URLSearchParams
}

export interface FakeAs {
  readonly url: string
  /** Answers by token; a token not listed is `{ active: false }`. */
  readonly answers: Map<string, Record<string, unknown>>
  behaviour: FakeAsBehaviour
  readonly requests: RecordedRequest[]
  close(): Promise<void>
}

export async function startFakeAs(): Promise<FakeAs> {
  const answers = new Map<string, Record<string, unknown>>()
  const requests: RecordedRequest[] = []
  const state = { behaviour: 'answer' as FakeAsBehaviour }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
      requests.push({ method: req.method ?? '', headers: req.headers, form })
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers })
        res.end(JSON.stringify(body))
      }
      switch (state.behaviour) {
        case 'slow':
          setTimeout(() => json(200, { active: true }), 2000).unref()
          return
        case '500':
          return json(500, { error: 'server_error' })
        case 'garbage':
          res.writeHead(200, { 'content-type': 'application/json' })
          return res.end('<html>oops</html>')
        case 'string-active':
          return json(200, { active: 'true', client_id: 'x' })
        case '401':
          return json(401, { error: 'invalid_client' })
        case '403':
          return json(403, { error: 'access_denied' })
        case '429':
          return json(429, { error: 'slow_down' }, { 'retry-after': '7' })
        case 'unsupported_token_type':
          return json(400, { error: 'unsupported_token_type' })
        default:
          return json(200, answers.get(form.get('token') ?? '') ?? { active: false })
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/introspect`,
    answers,
    get behaviour() {
      return state.behaviour
    },
    set behaviour(b: FakeAsBehaviour) {
      state.behaviour = b
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
