import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MalformedTokenError } from '../errors.ts'
import { decodeBase64Url, encodeBase64Url } from './base64url.ts'
import { createHeaderMemo, parseCompactJws } from './parse-compact.ts'

const utf8 = (text: string) => new TextEncoder().encode(text)
const segment = (json: string) => encodeBase64Url(utf8(json))
const signature = encodeBase64Url(Uint8Array.of(1, 2, 3, 250, 251))
const header = segment('{"alg":"RS256","typ":"at+jwt","kid":"k1"}')
const payload = segment('{"iss":"https://issuer.example","sub":"alice","exp":1900000000}')
const jws = (h: string, p: string, s = signature) => `${h}.${p}.${s}`
const options = { maxLength: 8192 }

describe('parseCompactJws', () => {
  it('splits and decodes a canonical compact JWS', () => {
    const token = jws(header, payload)
    const result = parseCompactJws(token, options)
    expect(result).toStrictEqual({
      ok: true,
      value: {
        header: { alg: 'RS256', typ: 'at+jwt', kid: 'k1' },
        payload: { iss: 'https://issuer.example', sub: 'alice', exp: 1900000000 },
        signingInput: utf8(`${header}.${payload}`),
        signature: Uint8Array.of(1, 2, 3, 250, 251),
      },
    })
  })

  it.each([
    ['exactly maxLength characters', jws(header, payload), jws(header, payload).length],
    ['cty other than JWT', jws(segment('{"alg":"ES256","cty":"json"}'), payload), 8192],
    ['cty that only starts with JWT', jws(segment('{"alg":"ES256","cty":"JWTX"}'), payload), 8192],
    ['an empty header object (judged later by validateJoseHeader)', jws(segment('{}'), payload), 8192],
    ['a one-byte signature', jws(header, payload, 'AA'), 8192],
    ['a __proto__ member in the payload', jws(header, segment('{"__proto__":{"admin":true}}')), 8192],
  ])('accepts %s', (_name, token, maxLength) => {
    expect(parseCompactJws(token, { maxLength }).ok).toBe(true)
  })

  it.each<[string, unknown, string]>([
    ['undefined', undefined, 'The token is not a string'],
    ['null', null, 'The token is not a string'],
    ['a number', 42, 'The token is not a string'],
    ['an object', { token: jws(header, payload) }, 'The token is not a string'],
    ['a String object', new String(jws(header, payload)), 'The token is not a string'],
    ['bytes', utf8(jws(header, payload)), 'The token is not a string'],
    ['the JSON serialization', JSON.stringify({ payload, signatures: [{ protected: header, signature }] }), 'JSON serialization is not accepted'],
    ['a five-segment JWE', `${segment('{"alg":"RSA-OAEP","enc":"A256GCM"}')}.${signature}.AAAA.${payload}.AAAA`, 'JWE (encrypted token) is not accepted'],
    ['a dir JWE with an empty key segment', `${segment('{"alg":"dir","enc":"A256GCM"}')}..AAAA.${payload}.AAAA`, 'JWE (encrypted token) is not accepted'],
    ['the empty string', '', 'Expected three dot-separated segments, found 1'],
    ['one segment', header, 'Expected three dot-separated segments, found 1'],
    ['two segments', `${header}.${payload}`, 'Expected three dot-separated segments, found 2'],
    ['four segments', `${jws(header, payload)}.AAAA`, 'Expected three dot-separated segments, found 4'],
    ['six segments', `${jws(header, payload)}.AAAA.AAAA.AAAA`, 'Expected three dot-separated segments, found 6'],
    ['only dots', '..', 'The signature segment is empty'],
    ['a padded header', jws(`${segment('{"alg":"RS256"}')}=`, payload), 'The header segment is not canonical base64url'],
    ['a header with a space', jws(` ${header}`, payload), 'The header segment is not canonical base64url'],
    ['a payload in the standard alphabet', jws(header, `${payload.slice(0, 8)}+${payload.slice(9)}`), 'The payload segment is not canonical base64url'],
    ['a payload of length 4n+1', jws(header, 'eyJhb'), 'The payload segment is not canonical base64url'],
    ['a signature with non-zero trailing bits', jws(header, payload, 'AB'), 'The signature segment is not canonical base64url'],
    ['a signature with a trailing newline', `${jws(header, payload)}\n`, 'The signature segment is not canonical base64url'],
    ['a signature in the standard alphabet', jws(header, payload, 'ab/c'), 'The signature segment is not canonical base64url'],
    ['an empty signature', jws(header, payload, ''), 'The signature segment is empty'],
    ['an empty header', jws('', payload), 'The JOSE header is not valid JSON'],
    ['a header of invalid UTF-8', jws(encodeBase64Url(Uint8Array.of(0x7b, 0xff, 0x7d)), payload), 'The JOSE header is not valid UTF-8'],
    ['a header with a BOM', jws(encodeBase64Url(Uint8Array.of(0xef, 0xbb, 0xbf, ...utf8('{"alg":"RS256"}'))), payload), 'The JOSE header starts with a byte order mark'],
    ['a header that is an array', jws(segment('["RS256"]'), payload), 'The JOSE header is not a JSON object'],
    ['a header with a duplicate alg', jws(segment('{"alg":"none","alg":"RS256"}'), payload), 'The JOSE header has a duplicate member name'],
    ['a header with an escaped duplicate', jws(segment('{"alg":"RS256","\\u0061lg":"none"}'), payload), 'The JOSE header has a duplicate member name'],
    ['a header with enc', jws(segment('{"alg":"RS256","enc":"A128GCM"}'), payload), 'JWE (encrypted token) is not accepted'],
    ['a nested JWT (cty JWT)', jws(segment('{"alg":"RS256","cty":"JWT"}'), payload), 'Nested JWTs (cty: JWT) are not accepted'],
    ['a nested JWT (cty jwt)', jws(segment('{"alg":"RS256","cty":"jwt"}'), payload), 'Nested JWTs (cty: JWT) are not accepted'],
    ['a nested JWT (cty application/JWT)', jws(segment('{"alg":"RS256","cty":"application/JWT"}'), payload), 'Nested JWTs (cty: JWT) are not accepted'],
    ['an empty payload', jws(header, ''), 'The payload is not valid JSON'],
    ['a payload of invalid UTF-8', jws(header, encodeBase64Url(Uint8Array.of(0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d))), 'The payload is not valid UTF-8'],
    ['a payload that is a string', jws(header, segment('"alice"')), 'The payload is not a JSON object'],
    ['a payload that is not JSON', jws(header, segment('sub=alice')), 'The payload is not valid JSON'],
    ['a payload with a duplicate sub', jws(header, segment('{"sub":"alice","sub":"admin"}')), 'The payload has a duplicate member name'],
    ['a payload with a nested duplicate', jws(header, segment('{"org":{"id":1,"id":2}}')), 'The payload has a duplicate member name'],
    ['a payload nested too deep', jws(header, segment(`${'{"a":'.repeat(65)}1${'}'.repeat(65)}`)), 'The payload nests deeper than 64 levels'],
  ])('refuses %s', (_name, token, message) => {
    const result = parseCompactJws(token, options)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error).toBeInstanceOf(MalformedTokenError)
    expect(result.error.code).toBe('malformed_token')
    expect(result.error.message).toBe(message)
    if (typeof token === 'string') {
      for (const part of token.split('.')) if (part.length >= 4) expect(result.error.message).not.toContain(part)
    }
  })

  it.each([
    ['a too-long valid token', jws(header, payload), 100],
    ['a too-long token of garbage, before any decoding', '!'.repeat(101), 100],
    ['a too-long JSON serialization', `{${' '.repeat(100)}}`, 100],
    ['a too-long five-segment token', `${'A'.repeat(100)}.b.c.d.e`, 100],
  ])('refuses %s as token_too_large', (_name, token, maxLength) => {
    const result = parseCompactJws(token, { maxLength })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.code).toBe('token_too_large')
    expect(result.error.expected).toBe(maxLength)
    expect(result.error.actual).toBe(token.length)
    expect(result.error.message).toBe(`The token is ${token.length} characters long; at most ${maxLength} are accepted`)
  })

  it.each([
    ['header before payload', jws('a=', 'b+'), 'The header segment is not canonical base64url'],
    ['payload before signature', jws(header, 'b+', 'c/'), 'The payload segment is not canonical base64url'],
    ['base64url before an empty signature', jws('a=', payload, ''), 'The header segment is not canonical base64url'],
    ['empty signature before header JSON', jws(segment('[]'), payload, ''), 'The signature segment is empty'],
    ['header JSON before payload JSON', jws(segment('{"a":1,"a":2}'), segment('[]')), 'The JOSE header has a duplicate member name'],
    ['enc before payload JSON', jws(segment('{"alg":"RS256","enc":"A128GCM"}'), segment('not json')), 'JWE (encrypted token) is not accepted'],
    ['cty JWT before payload JSON (a nested payload is a token)', jws(segment('{"alg":"RS256","cty":"JWT"}'), segment(jws(header, payload))), 'Nested JWTs (cty: JWT) are not accepted'],
  ])('checks %s', (_name, token, message) => {
    const result = parseCompactJws(token, options)
    expect(result.ok ? undefined : result.error.message).toBe(message)
  })

  it('returns a signing input that is exactly the first two segments', () => {
    const token = jws(header, payload)
    const result = parseCompactJws(token, options)
    expect(result.ok && new TextDecoder().decode(result.value.signingInput)).toBe(token.slice(0, token.lastIndexOf('.')))
  })
})

describe('parseCompactJws with a header memo', () => {
  it('decodes each good header once and answers every token as it does without the memo', () => {
    const memo = createHeaderMemo(32)
    const decoded: string[] = []
    const decodeSegment = (text: string) => {
      decoded.push(text)
      return decodeBase64Url(text)
    }
    const nested = segment('{"alg":"RS256","cty":"JWT"}')
    const tokens = [
      jws(header, payload),
      jws(header, segment('{"sub":"bob"}')),
      jws(header, segment('{"sub":"a","sub":"b"}')),
      jws(header, payload, ''),
      jws(header, `${payload}=`),
      jws(nested, payload),
      jws(segment('{"alg":"RS256","alg":"none"}'), payload),
    ]
    for (const token of [...tokens, ...tokens]) {
      expect(parseCompactJws(token, { ...options, headerMemo: memo, decodeSegment })).toStrictEqual(parseCompactJws(token, options))
    }
    expect(decoded.filter((text) => text === header)).toHaveLength(1)
    // A refused header is never remembered.
    expect(decoded.filter((text) => text === nested)).toHaveLength(2)
    const remembered = memo.get(header)
    expect(remembered).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' })
    expect(Object.isFrozen(remembered)).toBe(true)
  })

  it('holds at most maxEntries headers, starting over when full', () => {
    const memo = createHeaderMemo(2)
    const headers = ['{"alg":"RS256","kid":"a"}', '{"alg":"RS256","kid":"b"}', '{"alg":"RS256","kid":"c"}'].map(segment)
    for (const h of headers) expect(parseCompactJws(jws(h, payload), { ...options, headerMemo: memo }).ok).toBe(true)
    expect(headers.map((h) => memo.get(h) !== undefined)).toEqual([false, false, true])
  })

  it('holds nothing when maxEntries is 0', () => {
    const memo = createHeaderMemo(0)
    expect(parseCompactJws(jws(header, payload), { ...options, headerMemo: memo }).ok).toBe(true)
    expect(memo.get(header)).toBeUndefined()
  })
})

describe('parseCompactJws (properties)', () => {
  const check = (token: unknown) => {
    const result = parseCompactJws(token, { maxLength: 4096 })
    if (result.ok) return
    expect(result.error).toBeInstanceOf(MalformedTokenError)
    expect(['malformed_token', 'token_too_large']).toContain(result.error.code)
    if (typeof token === 'string' && token.length >= 16) expect(result.error.message).not.toContain(token)
  }

  it('never throws for any value', () => {
    fc.assert(fc.property(fc.anything(), check), { numRuns: 2000 })
  })

  it('never throws for any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), check), { numRuns: 2000 })
  })

  it('never throws for strings over the base64url alphabet and dots', () => {
    fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9_.-]{0,200}$/), check), { numRuns: 3000 })
  })

  it('never throws for three segments of arbitrary bytes', () => {
    const part = fc.uint8Array({ maxLength: 64 }).map(encodeBase64Url)
    fc.assert(fc.property(part, part, part, (h, p, s) => check(`${h}.${p}.${s}`)), { numRuns: 2000 })
  })

  it('accepts every well-formed token of JSON objects and returns their values', () => {
    const object = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 6 })
    fc.assert(
      fc.property(object, object, fc.uint8Array({ minLength: 1, maxLength: 64 }), (h, p, sig) => {
        const headerJson = JSON.stringify(h)
        const payloadJson = JSON.stringify(p)
        const token = jws(segment(headerJson), segment(payloadJson), encodeBase64Url(sig))
        const result = parseCompactJws(token, { maxLength: 1_000_000 })
        const jweOrNested = Object.hasOwn(h, 'enc') || (typeof h.cty === 'string' && /^(application\/)?jwt$/i.test(h.cty))
        expect(result.ok).toBe(!jweOrNested)
        if (!result.ok) return
        expect(JSON.stringify(result.value.header)).toBe(JSON.stringify(JSON.parse(headerJson)))
        expect(JSON.stringify(result.value.payload)).toBe(JSON.stringify(JSON.parse(payloadJson)))
        expect(result.value.signature).toEqual(sig)
      }),
      { numRuns: 1000 },
    )
  })

  const deep = (open: string, close: string, size: number) => {
    const prefix = '{"a":'
    // Base64url grows 4/3, so this many bytes fill about `size` characters of payload.
    const bytes = Math.floor((size * 3) / 4) - prefix.length
    const unclosed = Math.floor(bytes / open.length)
    const balanced = Math.floor(bytes / (open.length + close.length))
    return [
      ['unclosed', `${prefix}${open.repeat(unclosed)}`],
      ['balanced', `${prefix}${open.repeat(balanced)}${close.repeat(balanced)}}`],
    ] as const
  }
  it.each([...deep('[', ']', 16 * 1024), ...deep('{"a":', '}', 16 * 1024)].map(([shape, json]) => [shape, json.slice(5, 10), json]))(
    'answers a 16 KiB %s nesting of %s quickly',
    (_shape, _open, json) => {
      const token = jws(header, segment(json))
      expect(token.length).toBeGreaterThan(16 * 1024)
      const started = performance.now()
      const result = parseCompactJws(token, { maxLength: 32 * 1024 })
      expect(performance.now() - started).toBeLessThan(50)
      expect(result.ok ? undefined : result.error.message).toBe('The payload nests deeper than 64 levels')
    },
  )

  it.each([
    ['brackets', '['.repeat(16 * 1024)],
    ['braces', '{'.repeat(16 * 1024)],
    ['dots', '.'.repeat(16 * 1024)],
    ['backslash-quote pairs in a string', jws(header, segment(`{"a":"${'\\"'.repeat(6000)}"}`))],
  ])('answers a 16 KiB token of %s quickly', (_name, token) => {
    const started = performance.now()
    const result = parseCompactJws(token, { maxLength: 32 * 1024 })
    expect(performance.now() - started).toBeLessThan(50)
    expect(typeof result.ok).toBe('boolean')
  })
})
