import { describe, expect, it } from 'vitest'
import { parseForm, readFormBody } from './form-body.ts'

const request = (body: BodyInit, contentType = 'application/x-www-form-urlencoded; charset=UTF-8'): Request => new Request('https://as.example.com/token', { method: 'POST', headers: { 'content-type': contentType }, body })

describe('strict form bodies', () => {
  it('decodes +, percent-encoding and UTF-8; empty values count as absent; resource may repeat', () => {
    expect(Object.fromEntries(parseForm('a=x+y%2Bz&b=%C3%A9&c=&resource=r1&resource=r2'))).toEqual({ a: ['x y+z'], b: ['é'], resource: ['r1', 'r2'] })
  })

  it.each([
    ['a repeated parameter', 'a=1&a=2'],
    ['a repeat after an empty value', 'a=&a=2'],
    ['a pair without "="', 'a=1&b'],
    ['an empty name', '=1'],
    ['bad percent-encoding', 'a=%zz'],
    ['an encoded invalid UTF-8 byte', 'a=%FF'],
    ['too many parameters', Array.from({ length: 33 }, (_, i) => `p${i}=1`).join('&')],
  ])('refuses %s', (_name, body) => {
    expect(() => parseForm(body)).toThrow(expect.objectContaining({ code: 'invalid_request' }))
  })

  it('refuses other content types and oversized bodies, also when streamed without a length', async () => {
    await expect(readFormBody(request('a=1', 'application/json'), 100)).rejects.toMatchObject({ code: 'invalid_request' })
    await expect(readFormBody(request(`a=${'x'.repeat(200)}`), 100)).rejects.toMatchObject({ code: 'invalid_request' })
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(50)))
        controller.close()
      },
    })
    const streamed = new Request('https://as.example.com/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: stream, duplex: 'half' } as RequestInit)
    await expect(readFormBody(streamed, 100)).rejects.toMatchObject({ code: 'invalid_request' })
    expect(Object.fromEntries(await readFormBody(request('grant_type=client_credentials'), 100))).toEqual({ grant_type: ['client_credentials'] })
  })
})
