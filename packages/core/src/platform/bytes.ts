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
