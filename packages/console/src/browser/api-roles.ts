// The API Roles section: each role with the API resource categories it grants and the API
// clients holding it; Add, Edit (categories as checkboxes from the categories the organization's
// roles use, plus free text: the admin API keeps no separate list of categories) and Delete,
// which says in words which clients hold a role in use and offers the API's explicit detach.
import type { AdminErrorBody, ApiRoleChangeBody, ApiRoleList, ApiRoleView } from '@tokenward/registry'
import type { AdminClient } from './admin-client.ts'
import { byId, h } from './build-element.ts'
import type { ConfirmDialog } from './confirm-dialog.ts'
import { fieldIssues } from './field-issues.ts'
import { permissionWords, readOnlyReasonOf } from './page-state.ts'

export interface ApiRolesSection {
  reload(): Promise<void>
}

/** Every category the organization's roles grant, sorted: the choices of the role dialog. */
export function knownCategories(roles: readonly ApiRoleView[]): string[] {
  return [...new Set(roles.flatMap((r) => r.categories))].sort((a, b) => a.localeCompare(b))
}

export function setUpApiRoles(client: AdminClient, confirm: ConfirmDialog, changed: (notices: readonly string[]) => Promise<void>): ApiRolesSection {
  const add = byId<HTMLButtonElement>('add-role')
  const reason = byId('roles-reason')
  const body = byId<HTMLTableElement>('roles').tBodies[0] as HTMLTableSectionElement
  const dialog = byId<HTMLDialogElement>('role-dialog')
  const form = byId<HTMLFormElement>('role-form')
  const nameInput = byId<HTMLInputElement>('r-name')
  const boxes = byId('r-categories')
  const more = byId<HTMLInputElement>('r-more')
  const save = byId<HTMLButtonElement>('role-save')
  const issues = fieldIssues(form, byId('role-error'), ['r-name', 'r-categories'], (path) =>
    path === 'name' ? 'r-name' : path.startsWith('categories') ? 'r-categories' : undefined,
  )
  let roles: readonly ApiRoleView[] = []
  let readOnly: string | undefined = 'Loading…'
  let editing: ApiRoleView | undefined
  let opener: HTMLElement | undefined

  byId('role-cancel').addEventListener('click', () => dialog.close())
  dialog.addEventListener('close', () => opener?.focus())

  const open = (view: ApiRoleView | undefined, from: HTMLElement): void => {
    editing = view
    opener = from
    form.reset()
    issues.clear()
    byId('role-dialog-title').textContent = view === undefined ? 'Add API Role' : 'Edit API Role'
    nameInput.value = view?.name ?? ''
    const granted = new Set(view?.categories ?? [])
    const known = knownCategories(roles)
    boxes.replaceChildren(
      ...(known.length === 0
        ? [h('p', { class: 'hint' }, 'No categories are in use yet.')]
        : known.map((category, i) =>
            h('div', { class: 'check' }, h('input', { type: 'checkbox', id: `r-category-${i}`, value: category, checked: granted.has(category) }), h('label', { for: `r-category-${i}` }, category)),
          )),
    )
    dialog.showModal()
    nameInput.focus()
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    issues.clear()
    const chosen = [...boxes.querySelectorAll<HTMLInputElement>('input:checked')].map((b) => b.value)
    const categories = [...new Set([...chosen, ...more.value.split(/\s+/).filter((c) => c !== '')])]
    const payload = { name: nameInput.value.trim(), categories }
    save.disabled = true
    try {
      const path = editing === undefined ? 'api-roles' : `api-roles/${encodeURIComponent(editing.name)}`
      const r = await client.call<ApiRoleChangeBody & AdminErrorBody>(editing === undefined ? 'POST' : 'PUT', path, payload)
      if (r.status !== 200 && r.status !== 201) {
        issues.show(r.body)
        return
      }
      await changed([`Saved API role "${r.body.role.name}".`, ...r.body.notices.map((n) => n.message)])
      dialog.close()
    } finally {
      save.disabled = false
    }
  })

  const remove = (view: ApiRoleView, from: HTMLElement): void =>
    confirm.open(
      {
        title: 'Delete API Role',
        message: `Delete the API role "${view.name}"? API clients holding it lose the categories it grants.`,
        run: (detach) => client.call('DELETE', `api-roles/${encodeURIComponent(view.name)}${detach ? '?detachFromClients=true' : ''}`),
        refused: (b) =>
          b.error === 'role_in_use'
            ? {
                message: `The role cannot be deleted yet: ${b.message.replace(/^The API role "[^"]*" cannot be deleted: /, '').replace(/; remove it from them first.*$/, '')}. Remove it from them first, or choose below to remove it from them and delete it in one change.`,
                option: `Remove "${view.name}" from these API clients and delete it`,
              }
            : { message: b.message },
        done: async (b) => changed([`Deleted API role "${view.name}".`, ...((b?.notices as { message: string }[] | undefined) ?? []).map((n) => n.message)]),
        after: () => add,
      },
      from,
    )

  const render = (empty: string): void => {
    const rows = roles.map((view) => {
      const edit = h('button', { type: 'button', disabled: readOnly !== undefined }, 'Edit', h('span', { class: 'visually-hidden' }, ` role ${view.name}`))
      const del = h('button', { type: 'button', class: 'danger', disabled: readOnly !== undefined }, 'Delete', h('span', { class: 'visually-hidden' }, ` role ${view.name}`))
      edit.addEventListener('click', () => open(view, edit))
      del.addEventListener('click', () => remove(view, del))
      return h(
        'tr',
        {},
        h('th', { scope: 'row' }, view.name),
        h('td', {}, view.categories.length === 0 ? 'none' : view.categories.join(', ')),
        h('td', { class: 'actor' }, view.clients.length === 0 ? 'none' : view.clients.join(', ')),
        h('td', { class: 'row-actions' }, edit, del),
      )
    })
    if (rows.length === 0) rows.push(h('tr', {}, h('td', { colspan: '4' }, empty)))
    body.replaceChildren(...rows)
  }

  add.addEventListener('click', () => open(undefined, add))
  return {
    async reload() {
      const r = await client.call<ApiRoleList & AdminErrorBody>('GET', 'api-roles')
      if (r.status === 200) {
        roles = r.body.apiRoles
        readOnly = readOnlyReasonOf(r.body)
        render('No API roles yet.')
      } else {
        roles = []
        readOnly = r.status === 403 ? permissionWords(r.body.error, r.body.message).replace('authorization servers', 'API roles') : `The API roles could not be loaded: ${r.body.message}`
        render('Not available.')
      }
      add.disabled = readOnly !== undefined
      reason.textContent = readOnly === undefined ? '' : r.status === 200 ? 'Changes are not allowed (see above).' : readOnly
    },
  }
}
