import uPlot from "uplot";
import type { Status } from "./types.js";

/** One point of a chart: time (ms), latency (ms), value, status. */
export interface Point {
  t: number;
  lat: number;
  v: number | null;
  s: Status;
}

const statusColour: Record<Status, string> = {
  ok: "#1e7b3a",
  warning: "#b7791f",
  critical: "#c0262d",
  unknown: "#6b7280",
  pending: "#c4c9d2",
};

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

  constructor(series: "lat" | "v", label: string) {
    this.#series = series;
    this.#label = label;
    this.element = document.createElement("div");
    this.element.className = "chart";
    this.element.setAttribute("role", "img");
    this.#observer = new ResizeObserver(() => this.#plot?.setSize(this.#size()));
    this.#observer.observe(this.element);
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
    this.#draw();
  }

  destroy(): void {
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
    this.#plot = new uPlot(
      {
        ...this.#size(),
        legend: { show: true, live: true },
        cursor: { drag: { x: true, y: false } },
        scales: { x: { time: true } },
        axes: [
          { stroke: "#374151", grid: { stroke: "#e5e7eb" } },
          {
            stroke: "#374151",
            grid: { stroke: "#e5e7eb" },
            size: 60,
            values: (_, ticks) => ticks.map((t) => (this.#series === "lat" ? `${t} ms` : `${t}`)),
          },
        ],
        series: [
          {},
          {
            label: this.#label,
            stroke: "#1d4ed8",
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
                ctx.fillStyle = statusColour[ps[i]!.s];
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
