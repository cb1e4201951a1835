/**
 * Conversion of a JWS ECDSA signature (raw `r || s`, RFC 7518 §3.4) to the DER encoding that
 * `node:crypto` verifies fastest: handing it a bare key object with a DER signature avoids the
 * per-call option parsing that `dsaEncoding: 'ieee-p1363'` costs (tens of microseconds).
 *
 * @module
 */

/**
 * DER `SEQUENCE { INTEGER r, INTEGER s }` for a raw signature of two `size`-byte halves. The caller
 * has already checked `raw.length === 2 * size`. Each integer is minimal (leading zero bytes
 * dropped, one zero byte added when the high bit is set), so a raw signature has exactly one DER
 * form and verification means the same as with the raw one.
 *
 * @example
 * ```ts
 * const der = ecdsaRawToDer(rawSignature, 32) // ES256
 * crypto.verify('sha256', data, publicKey, der)
 * ```
 */
export function ecdsaRawToDer(raw: Uint8Array, size: number): Uint8Array {
  const r = integerBytes(raw, 0, size)
  const s = integerBytes(raw, size, size)
  const body = 2 + r.length + 2 + s.length
  const lengthBytes = body < 0x80 ? 1 : 2
  const out = new Uint8Array(1 + lengthBytes + body)
  let i = 0
  out[i++] = 0x30
  if (lengthBytes === 2) out[i++] = 0x81
  out[i++] = body
  for (const int of [r, s]) {
    out[i++] = 0x02
    out[i++] = int.length
    out.set(int, i)
    i += int.length
  }
  return out
}

function integerBytes(raw: Uint8Array, offset: number, size: number): Uint8Array {
  let start = offset
  const end = offset + size
  while (start < end - 1 && raw[start] === 0) start++
  const high = (raw[start]! & 0x80) !== 0
  const out = new Uint8Array(end - start + (high ? 1 : 0))
  out.set(raw.subarray(start, end), high ? 1 : 0)
  return out
}
