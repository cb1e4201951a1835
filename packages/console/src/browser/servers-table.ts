// The servers table: one row per server, the chosen columns, Edit and Delete per row.
import type { AuthorizationServerView } from '@tokenward/registry'
import { byId, h } from './build-element.ts'
import { statusWords, type PageState } from './page-state.ts'

export const columns = ['name', 'status', 'description', 'lastFetch'] as const
export type Column = (typeof columns)[number]
const storageKey = 'tokenward.console.hiddenColumns'

export interface RowActions {
  edit(view: AuthorizationServerView, opener: HTMLElement): void
  remove(view: AuthorizationServerView, opener: HTMLElement): void
}

const timeFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' })

/** An ISO time in the admin's own time zone. */
export function formatTime(iso: string): string {
  return timeFormat.format(new Date(iso))
}

function lastFetchCell(iso: string | null): Node {
  if (iso === null) return document.createTextNode('never')
  return h('time', { datetime: iso }, formatTime(iso))
}

export function renderTable(state: PageState, actions: RowActions, emptyText: string): void {
  const body = byId<HTMLTableElement>('servers').tBodies[0] as HTMLTableSectionElement
  const servers = state.list?.authorizationServers ?? []
  const rows = servers.map((view) => {
    const edit = h('button', { type: 'button', disabled: state.readOnlyReason !== undefined }, 'Edit', h('span', { class: 'visually-hidden' }, ` ${view.name}`))
    const remove = h('button', { type: 'button', class: 'danger', disabled: state.readOnlyReason !== undefined }, 'Delete', h('span', { class: 'visually-hidden' }, ` ${view.name}`))
    edit.addEventListener('click', () => actions.edit(view, edit))
    remove.addEventListener('click', () => actions.remove(view, remove))
    return h(
      'tr',
      {},
      h('th', { scope: 'row', 'data-column': 'name' }, view.name),
      h('td', { 'data-column': 'status' }, h('span', { class: `status status-${view.status}` }, statusWords(view))),
      h('td', { 'data-column': 'description' }, view.description),
      h('td', { 'data-column': 'lastFetch' }, lastFetchCell(view.lastSuccessfulFetchAt)),
      h('td', { class: 'row-actions' }, edit, remove),
    )
  })
  if (rows.length === 0) rows.push(h('tr', {}, h('td', { colspan: '5' }, emptyText)))
  body.replaceChildren(...rows)
  applyColumns(hiddenColumns())
}

export function hiddenColumns(): Set<Column> {
  try {
    const saved: unknown = JSON.parse(localStorage.getItem(storageKey) ?? '[]')
    return new Set(Array.isArray(saved) ? (saved.filter((c) => (columns as readonly unknown[]).includes(c)) as Column[]) : [])
  } catch {
    return new Set()
  }
}

function applyColumns(hidden: Set<Column>): void {
  for (const cell of document.querySelectorAll<HTMLElement>('#servers [data-column]')) {
    cell.hidden = hidden.has(cell.dataset.column as Column)
  }
}

/** Wires the column chooser: its checkboxes show the saved choice and save every change. */
export function setUpColumnChooser(): void {
  const boxes = [...document.querySelectorAll<HTMLInputElement>('input[name="column"]')]
  const hidden = hiddenColumns()
  for (const box of boxes) {
    box.checked = !hidden.has(box.value as Column)
    box.addEventListener('change', () => {
      const next = new Set(boxes.filter((b) => !b.checked).map((b) => b.value as Column))
      try {
        localStorage.setItem(storageKey, JSON.stringify([...next]))
      } catch {
        // Storage may be unavailable (private mode): the choice then lasts for this page only.
      }
      applyColumns(next)
    })
  }
  applyColumns(hidden)
}
