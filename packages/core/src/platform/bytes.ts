/**
 * Byte helpers shared by the HTTP clients.
 *
 * @module
 */

/**
 * Joins chunks read from a response body into one array of `total` bytes (their summed length,
 * counted while reading to enforce the size limit).
 *
 * @example
 * ```ts
 * concatBytes([new Uint8Array([1]), new Uint8Array([2, 3])], 3) // Uint8Array [1, 2, 3]
 * ```
 */
export function concatBytes(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}

/**
 * Reads a request or response body chunk by chunk and stops as soon as more than `maxBytes` have
 * arrived: the bytes, or `null` when the body was too large (the stream is then cancelled, and
 * nothing past the limit is kept). Rejects when the stream itself fails. The one bounded reader of
 * the Web-standard doors (the issuer's token endpoint, the registry's admin API).
 *
 * @example
 * ```ts
 * const bytes = await readBoundedStream(request.body, 16_384)
 * if (bytes === null) return new Response('too large', { status: 413 })
 * ```
 */
export async function readBoundedStream(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array | null> {
  if (body === null) return new Uint8Array(0)
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined)
      return null
    }
    chunks.push(value)
  }
  return chunks.length === 1 ? chunks[0]! : concatBytes(chunks, total)
}
