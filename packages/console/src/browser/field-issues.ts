// Puts the admin API's issues beside their fields: each issue path is mapped to a field's id
// prefix (`<id>` is the input, `<id>-error` its message); what maps to no field goes to the form's
// own error line. The first marked field gets focus.
import type { AdminErrorBody } from '@tokenward/registry'
import { byId } from './build-element.ts'

export interface FieldIssues {
  clear(): void
  show(body: AdminErrorBody): void
}

export function fieldIssues(form: HTMLFormElement, formError: HTMLElement, fieldIds: readonly string[], fieldOf: (path: string) => string | undefined): FieldIssues {
  const clear = (): void => {
    for (const id of fieldIds) {
      byId(`${id}-error`).textContent = ''
      document.getElementById(id)?.removeAttribute('aria-invalid')
    }
    formError.textContent = ''
  }
  return {
    clear,
    show(body) {
      clear()
      const rest: string[] = []
      // A rule violation names one field (`field`) instead of listing issues.
      const issues = body.issues ?? (typeof body.field === 'string' ? [{ path: body.field, message: body.message }] : [])
      for (const issue of issues) {
        const id = fieldOf(issue.path)
        if (id === undefined) {
          rest.push(`${issue.path || '(request)'}: ${issue.message}`)
          continue
        }
        const target = byId(`${id}-error`)
        target.textContent = [target.textContent, issue.message].filter((t) => t !== '').join('; ')
        document.getElementById(id)?.setAttribute('aria-invalid', 'true')
      }
      const first = form.querySelector<HTMLElement>('[aria-invalid="true"]')
      formError.textContent = rest.length > 0 ? rest.join('; ') : first === null ? body.message : 'Correct the fields marked above.'
      first?.focus()
    },
  }
}
