export type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/**
 * Creates an element. Text always goes in as text nodes, never as HTML, so nothing a module file or a
 * probe says can become markup.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (typeof value === "function") el.addEventListener(name.replace(/^on/, ""), value);
      else if (name === "className") el.className = String(value);
      else el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Appends children (flattening arrays, skipping empty ones). */
export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function replace(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/**
 * A table of records: a header row of `columns`, then one row per entry of `rows`. Every cell carries
 * its column's name as `data-label`, which the phone layout shows beside the value; with `rowHeader`
 * the first cell of each row is its header.
 */
export function dataTable(
  columns: readonly string[],
  rows: readonly (readonly (Child | Child[])[])[],
  options: { rowHeader?: boolean } = {},
): HTMLTableElement {
  return h(
    "table",
    { className: "history" },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        columns.map((column) => h("th", { scope: "col" }, column)),
      ),
    ),
    h(
      "tbody",
      null,
      rows.map((cells) =>
        h(
          "tr",
          null,
          cells.map((cell, i) =>
            i === 0 && options.rowHeader
              ? h("th", { scope: "row", "data-label": columns[i] }, cell)
              : h("td", { "data-label": columns[i] }, cell),
          ),
        ),
      ),
    ),
  );
}
