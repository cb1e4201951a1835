import { describe, expect, it } from 'vitest'
import { readJsonBody } from './read-json-body.ts'

const url = 'http://127.0.0.1/x'
const json = { 'content-type': 'application/json' }
const post = (body: BodyInit | null, headers: Record<string, string> = json): Request => new Request(url, { method: 'POST', body, headers })
const required = { maxBytes: 1024, optional: false }
const optional = { maxBytes: 1024, optional: true }

async function refusal(request: Request, options = required): Promise<[number, string]> {
  const r = await readJsonBody(request, options)
  if (r.ok) throw new Error(`expected a refusal, got ${JSON.stringify(r.value)}`)
  const body = (await r.response.json()) as { error: string }
  expect(r.response.headers.get('cache-control')).toBe('no-store')
  return [r.response.status, body.error]
}

describe('readJsonBody', () => {
  it('parses one JSON object', async () => {
    expect(await readJsonBody(post('{"a":[1,{"b":null}]}'), required)).toEqual({ ok: true, value: { a: [1, { b: null }] } })
  })

  it('accepts application/json with a UTF-8 charset only', async () => {
    for (const contentType of ['application/json', 'APPLICATION/JSON', 'application/json; charset=utf-8', 'application/json;charset="UTF-8"']) {
      expect((await readJsonBody(post('{}', { 'content-type': contentType }), required)).ok).toBe(true)
    }
    for (const contentType of ['text/json', 'application/json; charset=utf-16', 'application/json; boundary=x', 'application/merge-patch+json', 'multipart/form-data']) {
      expect(await refusal(post('{}', { 'content-type': contentType }))).toEqual([415, 'unsupported_media_type'])
    }
    expect(await refusal(post('{}', {}))).toEqual([415, 'unsupported_media_type'])
  })

  it('reads an absent or empty optional body as undefined, but refuses content without a content type', async () => {
    expect(await readJsonBody(post(null, {}), optional)).toEqual({ ok: true, value: undefined })
    expect(await readJsonBody(post('', {}), optional)).toEqual({ ok: true, value: undefined })
    expect(await readJsonBody(post('', { 'content-type': 'text/plain' }), optional)).toEqual({ ok: true, value: undefined })
    expect(await readJsonBody(post(''), optional)).toEqual({ ok: true, value: undefined })
    expect(await readJsonBody(new Request(url, { method: 'POST' }), optional)).toEqual({ ok: true, value: undefined })
    expect(await refusal(post('{}', {}), optional)).toEqual([415, 'unsupported_media_type'])
    expect(await refusal(post(''))).toEqual([400, 'invalid_json'])
  })

  it.each([
    ['{"a":', 'is not valid JSON'],
    ['[]', 'is not a JSON object'],
    ['null', 'is not a JSON object'],
    ['{"a":1,"a":2}', 'has a duplicate member name'],
    ['{"a":{"b":1,"\\u0062":2}}', 'has a duplicate member name'],
    ['\uFEFF{}', 'starts with a byte order mark'],
    [`${'['.repeat(100)}${']'.repeat(100)}`, 'nests deeper than 64 levels'],
  ])('refuses %j: %s', async (body, reason) => {
    const r = await readJsonBody(post(body), required)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(await r.response.json()).toEqual({ error: 'invalid_json', message: `The request body ${reason}` })
  })

  it('refuses bytes that are not UTF-8', async () => {
    const r = await readJsonBody(post(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), required)
    expect(r.ok ? undefined : (await r.response.json()).message).toBe('The request body is not valid UTF-8')
  })

  it('refuses a declared length above the limit without reading', async () => {
    let pulled = 0
    const body = new ReadableStream({ pull: () => void pulled++ }, { highWaterMark: 0 })
    const request = new Request(url, { method: 'POST', body, headers: { ...json, 'content-length': '2048' }, duplex: 'half' } as RequestInit)
    expect(await refusal(request)).toEqual([413, 'payload_too_large'])
    expect(pulled).toBe(0)
  })

  it('stops reading a streamed body as soon as it passes the limit, and cancels the stream', async () => {
    let pulled = 0
    let cancelled = false
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++
        controller.enqueue(new Uint8Array(300).fill(0x20))
      },
      cancel() {
        cancelled = true
      },
    }, { highWaterMark: 0 })
    const request = new Request(url, { method: 'POST', body, headers: json, duplex: 'half' } as RequestInit)
    expect(await refusal(request)).toEqual([413, 'payload_too_large'])
    expect(pulled).toBeLessThanOrEqual(5)
    expect(cancelled).toBe(true)
  })

  it('answers 400 invalid_body when the stream fails', async () => {
    const body = new ReadableStream({ pull: (controller) => controller.error(new Error('reset')) })
    const request = new Request(url, { method: 'POST', body, headers: json, duplex: 'half' } as RequestInit)
    expect(await refusal(request)).toEqual([400, 'invalid_body'])
  })
})
