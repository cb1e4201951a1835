// Calls to the admin API, same-origin, with the session cookie and the header its cross-site
// guard asks for. Every answer is read as JSON (the admin API's one shape).

/** An admin API answer: its status and parsed body (`undefined` for 204). */
export interface ApiAnswer<T = unknown> {
  readonly status: number
  readonly body: T
  readonly etag: string | null
}

export interface AdminClient {
  call<T = unknown>(method: string, path: string, body?: unknown, ifMatch?: string): Promise<ApiAnswer<T>>
}

export function createAdminClient(base: string, orgId: string): AdminClient {
  const root = `${base}orgs/${encodeURIComponent(orgId)}/`
  return {
    async call(method, path, body, ifMatch) {
      const headers: Record<string, string> = { accept: 'application/json', 'x-tokenward-admin': '1' }
      if (body !== undefined) headers['content-type'] = 'application/json'
      if (ifMatch !== undefined) headers['if-match'] = ifMatch
      const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' }
      if (body !== undefined) init.body = JSON.stringify(body)
      const response = await fetch(root + path, init)
      const text = await response.text()
      let parsed: unknown
      try {
        parsed = text === '' ? undefined : JSON.parse(text)
      } catch {
        parsed = { error: 'invalid_answer', message: `The admin API answered ${response.status} without JSON` }
      }
      return { status: response.status, body: parsed as never, etag: response.headers.get('etag') }
    },
  }
}
