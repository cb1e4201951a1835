// Builds DOM nodes from data with textContent only: the page never parses HTML from strings,
// which is what its Trusted Types policy (`trusted-types 'none'`) enforces.

type Attributes = Readonly<Record<string, string | boolean | undefined>>

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue
    node.setAttribute(name, value === true ? '' : value)
  }
  node.append(...children)
  return node
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id)
  if (node === null) throw new Error(`The page has no #${id}`)
  return node as T
}
