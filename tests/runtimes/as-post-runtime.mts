// Runs inside Deno or Bun (spawned by as-post.test.ts): one POST per case through core's
// platformHttpPost, loaded from the build named by TOKENWARD_CORE (a file URL), printing one JSON
// line per case: the status and body, or the failure kind.
// Deno 2 and Bun both provide Node's `process`.
const env = (name: string): string => (globalThis as unknown as { process: { env: Record<string, string> } }).process.env[name] as string
const core = (await import(env('TOKENWARD_CORE'))) as typeof import('@tokenward/core')
const input = JSON.parse(env('TOKENWARD_CASES')) as { name: string; request: Record<string, unknown> }[]
const post = core.platformHttpPost()
for (const { name, request } of input) {
  const r = request as { url: string; proxy?: string } & Record<string, unknown>
  try {
    const response = await post({
      timeoutMs: 5000,
      maxBytes: 65536,
      certificateValidation: true,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=t',
      ...r,
      url: new URL(r.url),
      ...(r.proxy !== undefined ? { proxy: new URL(r.proxy) } : {}),
    } as Parameters<typeof post>[0])
    console.log(JSON.stringify({ name, status: response.status, body: new TextDecoder().decode(response.body) }))
  } catch (error) {
    const e = error as { kind?: string; message?: string }
    console.log(JSON.stringify({ name, kind: e.kind ?? 'defect', message: e.message }))
  }
}
