// One confirmation dialog for deleting an API client or an API role: the question, the API's
// refusal in words when there is one, and an optional explicit choice (detach a role in use).
import type { AdminErrorBody } from '@tokenward/registry'
import type { ApiAnswer } from './admin-client.ts'
import { byId } from './build-element.ts'

export interface ConfirmRequest {
  readonly title: string
  readonly message: string
  /** Runs the change; `option` is whether the extra choice is checked. Answers the API's reply. */
  run(option: boolean): Promise<ApiAnswer<AdminErrorBody | undefined>>
  /** After a refusal: the words to show and, when the API offers one, the explicit choice's label. */
  refused(body: AdminErrorBody): { readonly message: string; readonly option?: string | undefined }
  done(body: AdminErrorBody | undefined): Promise<void>
  /** Where focus goes once the thing is gone. */
  readonly after: () => HTMLElement
}

export interface ConfirmDialog {
  open(request: ConfirmRequest, opener: HTMLElement): void
}

export function setUpConfirmDialog(): ConfirmDialog {
  const dialog = byId<HTMLDialogElement>('confirm-dialog')
  const form = byId<HTMLFormElement>('confirm-form')
  const error = byId('confirm-error')
  const option = byId('confirm-option')
  const box = byId<HTMLInputElement>('confirm-detach')
  const ok = byId<HTMLButtonElement>('confirm-ok')
  let current: ConfirmRequest | undefined
  let opener: HTMLElement | undefined
  byId('confirm-cancel').addEventListener('click', () => dialog.close())
  dialog.addEventListener('close', () => opener?.focus())
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    if (current === undefined) return
    const request = current
    ok.disabled = true
    try {
      const r = await request.run(!option.hidden && box.checked)
      if (r.status !== 200 && r.status !== 204) {
        const words = request.refused(r.body as AdminErrorBody)
        error.textContent = words.message
        if (words.option !== undefined) {
          byId('confirm-detach-label').textContent = words.option
          option.hidden = false
        }
        return
      }
      opener = request.after()
      await request.done(r.body)
      dialog.close()
    } finally {
      ok.disabled = false
    }
  })
  return {
    open(request, from) {
      current = request
      opener = from
      error.textContent = ''
      option.hidden = true
      box.checked = false
      byId('confirm-dialog-title').textContent = request.title
      byId('confirm-message').textContent = request.message
      dialog.showModal()
      byId('confirm-cancel').focus()
    },
  }
}
