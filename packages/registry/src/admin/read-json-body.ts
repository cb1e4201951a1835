/**
 * Body parsing: `content-type: application/json` only (415 otherwise), a size limit enforced
 * while streaming (413, the body is never buffered past the limit), and strict JSON: UTF-8, one
 * object at the top, no duplicate member names at any depth (400 `invalid_json`).
 *
 * @module
 */
import { parseStrictJsonObject } from '@tokenward/core/jose'
import { readBoundedStream } from '@tokenward/core'
import { errorResponse } from './admin-response.ts'

/**
 * The default largest request body the admin API reads: 64 KiB.
 *
 * @example
 * ```ts
 * createAdminApi({ ...options, maxBodyBytes: 4 * defaultMaxBodyBytes })
 * ```
 */
export const defaultMaxBodyBytes = 64 * 1024

/**
 * Options of {@link readJsonBody}.
 *
 * @example
 * ```ts
 * const options: ReadJsonBodyOptions = { maxBytes: defaultMaxBodyBytes, optional: true }
 * ```
 */
export interface ReadJsonBodyOptions {
  /** Bodies longer than this many bytes are refused with 413. */
  readonly maxBytes: number
  /** A request without a body (or with an empty one) is fine and reads as `undefined`. */
  readonly optional: boolean
}

/**
 * The outcome of {@link readJsonBody}: the parsed object (`undefined` for an absent optional
 * body), or the error response to send.
 *
 * @example
 * ```ts
 * const body: JsonBody = await readJsonBody(request, { maxBytes: 65536, optional: false })
 * if (!body.ok) return body.response
 * ```
 */
export type JsonBody =
  | { readonly ok: true; readonly value: Readonly<Record<string, unknown>> | undefined }
  | { readonly ok: false; readonly response: Response }

/**
 * Reads a request body as one strict JSON object.
 *
 * Refusals: `415 unsupported_media_type` (no or another content type, or a charset other than
 * UTF-8; an optional body may be empty whatever its content type), `413 payload_too_large`
 * (declared or streamed size above `maxBytes`; reading stops there), `400 invalid_json` (empty,
 * not UTF-8, not JSON, not an object, duplicate member names, nested deeper than 64 levels),
 * `400 invalid_body` (the stream failed).
 *
 * @example
 * ```ts
 * const body = await readJsonBody(request, { maxBytes: defaultMaxBodyBytes, optional: true })
 * if (!body.ok) return body.response
 * const switchFromEnabled = body.value?.switchFromEnabled
 * ```
 */
export async function readJsonBody(request: Request, options: ReadJsonBodyOptions): Promise<JsonBody> {
  const contentType = request.headers.get('content-type')
  const isJson = contentType !== null && isJsonMediaType(contentType)
  // A required body must be declared as JSON; an optional one may be empty whatever its type.
  if (!isJson && !options.optional) return unsupportedMediaType()
  const declaredLength = request.headers.get('content-length')
  if (declaredLength !== null && /^\d+$/.test(declaredLength) && Number(declaredLength) > options.maxBytes) {
    return tooLarge(options.maxBytes)
  }

  const read = await readBounded(request, options.maxBytes)
  if (read === 'too_large') return tooLarge(options.maxBytes)
  if (read === 'failed') return { ok: false, response: errorResponse(400, 'invalid_body', 'The request body could not be read') }
  if (read.length === 0 && options.optional) return { ok: true, value: undefined }
  if (!isJson) return unsupportedMediaType()
  if (read.length === 0) return invalidJson('is empty')
  const parsed = parseStrictJsonObject(read)
  if (!parsed.ok) return invalidJson(parsed.error)
  return { ok: true, value: parsed.value }
}

/** `application/json`, optionally with `charset=utf-8` (any case, optional quotes); nothing else. */
function isJsonMediaType(value: string): boolean {
  const [type = '', ...params] = value.split(';').map((part) => part.trim().toLowerCase())
  if (type !== 'application/json') return false
  return params.every((param) => {
    if (param === '') return true
    const eq = param.indexOf('=')
    const name = eq === -1 ? param : param.slice(0, eq).trim()
    const v = eq === -1 ? '' : param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')
    return name === 'charset' && v === 'utf-8'
  })
}

/** The body's bytes, reading chunk by chunk and stopping as soon as `maxBytes` is passed (core's one bounded reader). */
async function readBounded(request: Request, maxBytes: number): Promise<Uint8Array | 'too_large' | 'failed'> {
  try {
    return (await readBoundedStream(request.body, maxBytes)) ?? 'too_large'
  } catch {
    return 'failed'
  }
}

function unsupportedMediaType(): JsonBody {
  return {
    ok: false,
    response: errorResponse(415, 'unsupported_media_type', 'Send the request body as JSON with content-type: application/json'),
  }
}

function tooLarge(maxBytes: number): JsonBody {
  return { ok: false, response: errorResponse(413, 'payload_too_large', `The request body is larger than ${maxBytes} bytes`, { details: { expected: `at most ${maxBytes} bytes` } }) }
}

function invalidJson(reason: string): JsonBody {
  return { ok: false, response: errorResponse(400, 'invalid_json', `The request body ${reason}`) }
}
