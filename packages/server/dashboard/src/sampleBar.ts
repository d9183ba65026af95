import { getJson, seg } from "./api.js";
import { h } from "./dom.js";
import { latency, sampleTime } from "./format.js";
import { keyOf, type Row } from "./types.js";

/** Slots of the bar: the server keeps the last 30 samples of a monitor. */
export const barSlots = 30;
const statusOfLetter: Record<string, string> = { o: "ok", w: "warning", c: "critical", u: "unknown" };

/** One recent sample of a row, decoded from the row's packed fields. */
export interface RecentSample {
  status: string;
  latencyMs: number;
}

/** The row's recent samples, oldest first (none when this node has not run the monitor). */
export function recentSamples(row: Row): RecentSample[] {
  return [...(row.hs ?? "")].map((letter, i) => ({
    status: statusOfLetter[letter] ?? "unknown",
    latencyMs: row.hl?.[i] ?? 0,
  }));
}

/** The samples' times and messages, which rows leave out, asked for when a bar is hovered or focused. */
interface Detail {
  /** The newest sample's time: the detail matches a row whose `run` is the same. */
  run: number | null;
  samples: { t: number; message?: string }[];
  askedAt: number;
}
const details = new Map<string, Detail>();
const maxDetails = 200;

async function loadDetail(row: Row, key: string): Promise<void> {
  const known = details.get(key);
  if (known && Date.now() - known.askedAt < 1_000) return;
  details.set(key, { run: known?.run ?? null, samples: known?.samples ?? [], askedAt: Date.now() });
  try {
    const answer = await getJson<{ samples: { t: number; message?: string }[] }>(
      `/modules/${seg(row.m)}/monitors/${seg(row.n)}/recent`,
    );
    details.delete(key);
    details.set(key, { run: answer.samples.at(-1)?.t ?? null, samples: answer.samples, askedAt: Date.now() });
    if (details.size > maxDetails) details.delete(details.keys().next().value!);
    if (tip.owner?.dataset.key === key) tip.refresh();
  } catch {
    // The tooltip goes on without the time; hovering again asks again.
  }
}

const describe = (row: Row): string => {
  const samples = recentSamples(row);
  if (samples.length === 0)
    return `${row.n}: no recent samples (none yet, or the node that runs it did not answer)`;
  const tally = new Map<string, number>();
  for (const s of samples) tally.set(s.status, (tally.get(s.status) ?? 0) + 1);
  const parts = ["critical", "warning", "unknown", "ok"]
    .filter((s) => tally.has(s))
    .map((s) => `${tally.get(s)} ${s}`);
  return `${row.n}, last ${samples.length} samples: ${parts.join(", ")}. Arrow keys read each sample.`;
};

const slotColour: Record<string, string> = {
  o: "var(--bar-ok)",
  w: "var(--bar-warning)",
  c: "var(--bar-critical)",
  u: "var(--bar-unknown)",
};

/**
 * The bar of a row's last samples: one button (a single tab stop) painted as 30 fixed slots coloured
 * by status — one gradient, not 30 elements, so a screenful of rows stays cheap to create and style.
 * Hovering a slot or moving along it with the arrow keys shows that sample's time, status, latency
 * and message in the page's one tooltip, and marks the slot.
 */
export function newSampleBar(): HTMLButtonElement {
  return h(
    "button",
    { type: "button", className: "bar" },
    h("span", { className: "bar-mark", hidden: true }),
  );
}

const painted = new WeakMap<HTMLButtonElement, string>();

/** Updates a bar in place (the element stays, so focus and hover survive). */
export function fillSampleBar(bar: HTMLButtonElement, row: Row): void {
  const letters = row.hs ?? "";
  if (painted.get(bar) !== letters) {
    painted.set(bar, letters);
    const offset = barSlots - letters.length;
    const stops: string[] = [];
    for (let i = 0; i < barSlots; i++) {
      const letter = i >= offset ? letters[i - offset]! : "";
      const colour = slotColour[letter] ?? "var(--bar-empty)";
      stops.push(
        `${colour} ${((i * 100) / barSlots).toFixed(3)}% ${(((i + 1) * 100) / barSlots).toFixed(3)}%`,
      );
    }
    // CSSOM, which the page's Content-Security-Policy allows (a style attribute it would refuse).
    bar.style.backgroundImage = `linear-gradient(to right, ${stops.join(", ")})`;
  }
  const label = describe(row);
  if (bar.getAttribute("aria-label") !== label) bar.setAttribute("aria-label", label);
  if (tip.owner === bar) tip.show(bar, row, tip.index);
}

const svgNs = "http://www.w3.org/2000/svg";

/** A latency sparkline (an inline SVG, decorative: the number beside it says the same). */
export function newSparkline(): SVGSVGElement {
  const svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", "0 0 60 16");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("aria-hidden", "true");
  svg.appendChild(document.createElementNS(svgNs, "polyline"));
  return svg;
}

/** Redraws a sparkline from the row's recent latencies, scaled to their own range. */
export function fillSparkline(svg: SVGSVGElement, row: Row): void {
  const values = row.hl ?? [];
  let points = "";
  if (values.length > 1) {
    const max = Math.max(...values);
    const min = Math.min(...values);
    const range = max - min || 1;
    const step = 60 / (barSlots - 1);
    const offset = barSlots - values.length;
    points = values
      .map((v, i) => `${((offset + i) * step).toFixed(1)},${(15 - ((v - min) / range) * 14).toFixed(1)}`)
      .join(" ");
  }
  const line = svg.firstChild as SVGPolylineElement;
  if (line.getAttribute("points") !== points) line.setAttribute("points", points);
}

/** The page's one tooltip for sample bars. */
class SampleTip {
  readonly element = h("div", { id: "sample-tip", className: "tip", role: "tooltip", hidden: true });
  owner: HTMLButtonElement | undefined;
  index = -1;

  #row: Row | undefined;

  show(bar: HTMLButtonElement, row: Row, index: number): void {
    const samples = recentSamples(row);
    if (!this.element.isConnected) document.body.append(this.element);
    if (samples.length === 0) {
      this.hide();
      return;
    }
    const i = Math.min(Math.max(index < 0 ? samples.length - 1 : index, 0), samples.length - 1);
    const sample = samples[i]!;
    this.owner = bar;
    this.index = i;
    this.#row = row;
    const key = keyOf(row.m, row.n);
    const detail = details.get(key);
    const fresh = detail !== undefined && detail.run === row.run && detail.samples.length === samples.length;
    const known = fresh ? detail.samples[i] : undefined;
    if (!fresh) void loadDetail(row, key);
    this.element.replaceChildren(
      h("strong", null, known ? sampleTime(known.t) : "…"),
      ` · ${sample.status} · ${latency(sample.latencyMs)}`,
      known?.message ? h("div", { className: "tip-msg" }, known.message) : "",
    );
    this.element.hidden = false;
    bar.setAttribute("aria-describedby", this.element.id);
    const slot = barSlots - samples.length + i;
    const mark = bar.firstElementChild as HTMLElement;
    mark.style.left = `${((slot * 100) / barSlots).toFixed(3)}%`;
    mark.hidden = false;
    const box = bar.getBoundingClientRect();
    const centre = box.left + ((slot + 0.5) * box.width) / barSlots;
    const width = this.element.offsetWidth;
    const left = Math.min(Math.max(4, centre - width / 2), innerWidth - width - 4);
    this.element.style.transform = `translate(${Math.round(left)}px, ${Math.round(box.bottom + 6)}px)`;
  }

  /** Shows the same sample again (its time and message arrived). */
  refresh(): void {
    if (this.owner && this.#row) this.show(this.owner, this.#row, this.index);
  }

  hide(): void {
    this.element.hidden = true;
    this.#row = undefined;
    const mark = this.owner?.firstElementChild as HTMLElement | undefined;
    if (mark) mark.hidden = true;
    this.owner?.removeAttribute("aria-describedby");
    this.owner = undefined;
    this.index = -1;
  }
}

const tip = new SampleTip();

/**
 * Wires the tooltip to every bar inside `root` (event delegation: one set of listeners for 50,000
 * rows); `rowOf` finds a bar's row. Returns the function that removes the listeners.
 */
export function wireSampleBars(root: HTMLElement, rowOf: (bar: HTMLElement) => Row | undefined): () => void {
  const barOf = (target: EventTarget | null) =>
    (target as Element | null)?.closest?.<HTMLButtonElement>("button.bar") ?? null;
  const onPointer = (event: PointerEvent) => {
    const bar = barOf(event.target);
    const row = bar && rowOf(bar);
    if (!bar || !row) {
      if (tip.owner && tip.owner !== document.activeElement) tip.hide();
      return;
    }
    const box = bar.getBoundingClientRect();
    const slot = Math.floor(((event.clientX - box.left) / box.width) * barSlots);
    const index = slot - (barSlots - (row.hs?.length ?? 0));
    if (index < 0) return;
    if (tip.owner !== bar || tip.index !== index) tip.show(bar, row, index);
  };
  const onFocus = (event: FocusEvent) => {
    const bar = barOf(event.target);
    const row = bar && rowOf(bar);
    if (bar && row) tip.show(bar, row, -1);
  };
  const onBlur = (event: FocusEvent) => {
    if (barOf(event.target) === tip.owner) tip.hide();
  };
  const onKey = (event: KeyboardEvent) => {
    const bar = barOf(event.target);
    const row = bar && rowOf(bar);
    if (!bar || !row) return;
    const step = { ArrowLeft: -1, ArrowRight: 1, Home: -barSlots, End: barSlots }[event.key];
    if (event.key === "Escape") tip.hide();
    else if (step !== undefined) {
      event.preventDefault();
      const from = tip.owner === bar ? tip.index : (row.hs?.length ?? 0) - 1;
      tip.show(bar, row, Math.max(0, from + step));
    }
  };
  const onLeave = () => {
    if (tip.owner && tip.owner !== document.activeElement) tip.hide();
  };
  root.addEventListener("pointermove", onPointer);
  root.addEventListener("pointerleave", onLeave);
  root.addEventListener("focusin", onFocus);
  root.addEventListener("focusout", onBlur);
  root.addEventListener("keydown", onKey);
  return () => {
    tip.hide();
    root.removeEventListener("pointermove", onPointer);
    root.removeEventListener("pointerleave", onLeave);
    root.removeEventListener("focusin", onFocus);
    root.removeEventListener("focusout", onBlur);
    root.removeEventListener("keydown", onKey);
  };
}
