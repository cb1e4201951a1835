// The Audit Logs section: the organization's changes and API calls, newest first, filtered by
// time range, actor and action, a page at a time ("Older entries").
import type { AdminErrorBody, AuditLogEntry, AuditLogPage } from '@tokenward/registry'
import type { AdminClient } from './admin-client.ts'
import { byId, h } from './build-element.ts'
import { formatTime } from './servers-table.ts'

const actionWords: Readonly<Record<string, string>> = {
  add_server: 'Add authorization server',
  edit_server: 'Edit authorization server',
  delete_server: 'Delete authorization server',
  enable_server: 'Enable authorization server',
  disable_server: 'Disable authorization server',
  add_api_client: 'Add API client',
  edit_api_client: 'Edit API client',
  enable_api_client: 'Enable API client',
  disable_api_client: 'Disable API client',
  rotate_api_client_secret: 'Rotate API client secret',
  delete_api_client: 'Delete API client',
  add_api_role: 'Add API role',
  edit_api_role: 'Edit API role',
  delete_api_role: 'Delete API role',
  api_call: 'API call',
}

export interface AuditLog {
  reload(): Promise<void>
}

export function setUpAuditLog(client: AdminClient): AuditLog {
  const form = byId<HTMLFormElement>('audit-form')
  const body = byId<HTMLTableElement>('audit').tBodies[0] as HTMLTableSectionElement
  const more = byId<HTMLButtonElement>('audit-more')
  const error = byId('audit-error')
  let next: string | null = null

  const filters = (): URLSearchParams => {
    const params = new URLSearchParams({ limit: '20' })
    for (const name of ['from', 'to']) {
      const value = byId<HTMLInputElement>(`a-${name}`).value
      // datetime-local is the admin's own time zone; the API takes absolute times.
      if (value !== '') params.set(name, new Date(value).toISOString())
    }
    const actor = byId<HTMLInputElement>('a-actor').value.trim()
    if (actor !== '') params.set('actor', actor)
    const action = byId<HTMLSelectElement>('a-action').value
    if (action !== '') params.set('action', action)
    return params
  }

  const row = (entry: AuditLogEntry): HTMLTableRowElement =>
    h(
      'tr',
      {},
      h('td', {}, entry.at === null ? '' : formatTime(entry.at)),
      h('td', { class: 'actor' }, entry.actor ?? 'unknown'),
      h('td', {}, actionWords[entry.action] ?? entry.action),
      h('td', {}, entry.outcome ?? ''),
    )

  const load = async (reset: boolean): Promise<void> => {
    const params = filters()
    if (!reset && next !== null) params.set('cursor', next)
    const r = await client.call<AuditLogPage & AdminErrorBody>('GET', `audit-logs?${params}`)
    if (r.status !== 200) {
      error.textContent = `The audit log could not be loaded: ${r.body.message}`
      if (reset) body.replaceChildren()
      more.hidden = true
      return
    }
    error.textContent = ''
    const rows = r.body.entries.map(row)
    if (reset) body.replaceChildren(...(rows.length > 0 ? rows : [h('tr', {}, h('td', { colspan: '4' }, 'No entries.'))]))
    else body.append(...rows)
    next = r.body.next
    more.hidden = next === null
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void load(true)
  })
  more.addEventListener('click', () => void load(false))
  return { reload: () => load(true) }
}
