import { h } from "./dom.js";

/**
 * Rows a group shows in full; a longer group renders only the rows near the viewport. The overview
 * sets it: 60 on a small installation (where every row being in the page serves find-in-page), 0 on a
 * large one, where even a short group off screen costs nothing.
 */
export let windowThreshold = 60;

export function setWindowThreshold(rows: number): void {
  windowThreshold = rows;
}
/** Rows rendered beyond each edge of the viewport, so a fast scroll shows no blank. */
const overscan = 15;
/** A row's height until one is measured (CSS fixes it; the phone layout's is taller). */
let rowHeight = 52;

/** The part of a group's rows that is in the DOM. */
export interface RowWindow {
  start: number;
  end: number;
}

/**
 * Which rows of a tbody of `count` rows are near the viewport. Every row has the same height
 * (the CSS fixes it), so this is arithmetic on the tbody's position, not a measure of each row.
 */
export function visibleWindow(tbody: HTMLElement, count: number): RowWindow {
  if (count <= windowThreshold) return { start: 0, end: count };
  const top = tbody.getBoundingClientRect().top;
  const first = Math.floor(-top / rowHeight) - overscan;
  const last = Math.ceil((innerHeight - top) / rowHeight) + overscan;
  const start = Math.min(Math.max(0, first), count);
  return { start, end: Math.max(start, Math.min(count, last)) };
}

/** Measures the rendered rows' height; true when it changed (the window must be computed again). */
export function measureRows(tbody: HTMLElement): boolean {
  const row = tbody.querySelector<HTMLElement>("tr.row");
  const height = row?.getBoundingClientRect().height ?? 0;
  if (height < 8 || Math.abs(height - rowHeight) < 0.5) return false;
  rowHeight = height;
  return true;
}

/** The spacer rows standing in for the rows above and below the window. */
export interface Spacers {
  top: HTMLTableRowElement;
  bottom: HTMLTableRowElement;
}

export function newSpacers(columns: number): Spacers {
  const spacer = () => h("tr", { className: "spacer", "aria-hidden": "true" }, h("td", { colspan: columns }));
  return { top: spacer(), bottom: spacer() };
}

/** Sizes the spacers for a window of `count` rows (CSSOM, which the page's CSP allows). */
export function sizeSpacers(spacers: Spacers, window: RowWindow, count: number): void {
  const above = window.start * rowHeight;
  const below = (count - window.end) * rowHeight;
  spacers.top.hidden = above === 0;
  spacers.bottom.hidden = below === 0;
  spacers.top.style.height = `${above}px`;
  spacers.bottom.style.height = `${below}px`;
}
