import { describe, expect, it } from 'vitest'
import { ClaimValidationError, InvalidRequestError, JwksUnavailableError, MissingTokenError, type VerificationError } from '../errors.ts'
import { renderChallenge } from '../http/challenge.ts'
import type { RequestVerdict } from '../verifier/create-verifier.ts'
import type { VerifiedAccessToken } from '../verifier/types.ts'
import { admitRequest } from './admission.ts'

const refused = (error: VerificationError): Extract<RequestVerdict, { ok: false }> => ({ ok: false, error, response: renderChallenge(error) })
const token = { clientId: 'c' } as VerifiedAccessToken

describe('admitRequest', () => {
  it('accepts a verified token, optional or not', () => {
    expect(admitRequest({ ok: true, token })).toEqual({ kind: 'accepted', token })
    expect(admitRequest({ ok: true, token }, { optional: true })).toEqual({ kind: 'accepted', token })
  })

  it('lets only a missing token through, and only on optional routes', () => {
    const missing = refused(new MissingTokenError('none'))
    expect(admitRequest(missing, { optional: true })).toEqual({ kind: 'anonymous' })
    expect(admitRequest(missing)).toEqual({ kind: 'refused', response: missing.response })
  })

  it.each([
    new ClaimValidationError('token_expired', 'expired'),
    new InvalidRequestError('two headers'),
    new JwksUnavailableError('down'),
  ])('refuses $code even on optional routes', (error) => {
    const verdict = refused(error as VerificationError)
    expect(admitRequest(verdict, { optional: true })).toEqual({ kind: 'refused', response: verdict.response })
  })
})
