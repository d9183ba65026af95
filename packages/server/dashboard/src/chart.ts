import uPlot from "uplot";
import { axisTimes } from "./format.js";
import type { Status } from "./types.js";

/** One point of a chart: time (ms), latency (ms), value, status. */
export interface Point {
  t: number;
  lat: number;
  v: number | null;
  s: Status;
}

/** The page's colours (CSS custom properties), read when a chart is drawn: dark mode has its own. */
const colours = () => {
  const style = getComputedStyle(document.documentElement);
  const v = (name: string) => style.getPropertyValue(name).trim();
  return {
    line: v("--chart-line"),
    grid: v("--chart-grid"),
    axis: v("--chart-axis"),
    status: {
      ok: v("--bar-ok"),
      warning: v("--bar-warning"),
      critical: v("--bar-critical"),
      unknown: v("--bar-unknown"),
      pending: v("--bar-empty"),
    } as Record<Status, string>,
  };
};
const darkMode = matchMedia("(prefers-color-scheme: dark)");

/**
 * A time series chart (uPlot, on a canvas) with a status band along its bottom: one coloured strip
 * per sample, so the status over time reads at a glance; the page states the same in text.
 */
export class Chart {
  readonly element: HTMLDivElement;
  #plot: uPlot | undefined;
  #points: Point[] = [];
  readonly #series: "lat" | "v";
  readonly #label: string;
  readonly #observer: ResizeObserver;
  /** The time range shown (ms), whatever the samples cover: "last 6 hours" shows six hours. */
  #range: [number, number] | undefined;
  readonly #redraw = () => {
    this.#plot?.destroy();
    this.#plot = undefined;
    this.#draw();
  };

  constructor(series: "lat" | "v", label: string) {
    this.#series = series;
    this.#label = label;
    this.element = document.createElement("div");
    this.element.className = "chart";
    this.element.setAttribute("role", "img");
    this.#observer = new ResizeObserver(() => this.#plot?.setSize(this.#size()));
    this.#observer.observe(this.element);
    darkMode.addEventListener("change", this.#redraw);
  }

  /** Sets the time range the x axis spans. */
  setRange(from: number, to: number): void {
    this.#range = [from, to];
    if (this.#plot) this.#plot.setScale("x", { min: from / 1000, max: to / 1000 });
  }

  get points(): readonly Point[] {
    return this.#points;
  }

  set(points: Point[]): void {
    this.#points = points;
    this.#draw();
  }

  append(point: Point): void {
    const last = this.#points.at(-1);
    if (last && point.t <= last.t) return;
    this.#points.push(point);
    // Not drawn before the page gives the range (with its history): one live sample alone would make an
    // axis of its own, spanning months around that instant.
    if (!this.#range) return;
    // The window slides with time: its right edge follows the newest sample.
    if (point.t > this.#range[1]) {
      const width = this.#range[1] - this.#range[0];
      this.#range = [point.t - width, point.t];
    }
    this.#draw();
    this.#plot?.setScale("x", { min: this.#range[0] / 1000, max: this.#range[1] / 1000 });
  }

  destroy(): void {
    darkMode.removeEventListener("change", this.#redraw);
    this.#observer.disconnect();
    this.#plot?.destroy();
  }

  #size() {
    return { width: Math.max(this.element.clientWidth, 280), height: 220 };
  }

  #data(): uPlot.AlignedData {
    const xs = this.#points.map((p) => p.t / 1000);
    const ys = this.#points.map((p) => (this.#series === "lat" ? p.lat : p.v));
    return [xs, ys];
  }

  #draw(): void {
    const values = this.#points.filter((p) => (this.#series === "lat" ? true : p.v !== null));
    this.element.setAttribute(
      "aria-label",
      values.length === 0
        ? `${this.#label}: no samples yet`
        : `${this.#label}: ${values.length} samples, latest ${this.#series === "lat" ? `${Math.round(values.at(-1)!.lat)} ms` : values.at(-1)!.v}`,
    );
    this.element.dataset.points = String(values.length);
    if (this.#plot) {
      this.#plot.setData(this.#data());
      return;
    }
    const points = () => this.#points;
    const c = colours();
    const span = (u: uPlot) => ((u.scales.x?.max ?? 0) - (u.scales.x?.min ?? 0)) * 1000;
    this.#plot = new uPlot(
      {
        ...this.#size(),
        legend: { show: true, live: true },
        cursor: { drag: { x: true, y: false } },
        scales: {
          x: {
            time: true,
            range: (_u, min, max) =>
              this.#range ? [this.#range[0] / 1000, this.#range[1] / 1000] : [min, max],
          },
        },
        axes: [
          {
            stroke: c.axis,
            grid: { stroke: c.grid },
            space: 80,
            values: (u, ticks) => {
              const labels = axisTimes(
                ticks.map((t) => t * 1000),
                span(u),
              );
              // The labels are drawn on the canvas; the element says them too (tests, and anyone inspecting).
              this.element.dataset.xTicks = labels.join("|");
              return labels;
            },
          },
          {
            stroke: c.axis,
            grid: { stroke: c.grid },
            size: 60,
            values: (_, ticks) => ticks.map((t) => (this.#series === "lat" ? `${t} ms` : `${t}`)),
          },
        ],
        series: [
          {},
          {
            label: this.#label,
            stroke: c.line,
            width: 1.5,
            points: { show: (u) => (u.data[0]?.length ?? 0) < 200 },
            spanGaps: false,
          },
        ],
        hooks: {
          draw: [
            (u) => {
              const ps = points();
              const { ctx } = u;
              const { left, top, width, height } = u.bbox;
              const band = Math.round(6 * devicePixelRatio);
              ctx.save();
              for (let i = 0; i < ps.length; i++) {
                const x0 = u.valToPos(ps[i]!.t / 1000, "x", true);
                const next = ps[i + 1];
                const x1 = next ? u.valToPos(next.t / 1000, "x", true) : x0 + band;
                const from = Math.max(left, x0);
                const to = Math.min(left + width, Math.max(x1, x0 + 1));
                if (to <= from) continue;
                ctx.fillStyle = c.status[ps[i]!.s];
                ctx.fillRect(from, top + height - band, to - from, band);
              }
              ctx.restore();
            },
          ],
        },
      },
      this.#data(),
      this.element,
    );
  }
}
