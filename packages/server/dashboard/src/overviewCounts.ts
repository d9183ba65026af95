import { h } from "./dom.js";
import type { Status } from "./types.js";

const order: readonly Status[] = ["critical", "warning", "unknown", "pending", "ok"];

/**
 * The counts by status at the top of the overview, worst first. Each is a toggle button: pressing
 * one filters the overview to that status, pressing it again clears the filter.
 */
export function statusCounts(onPick: (status: Status) => void) {
  const buttons = new Map<Status, { button: HTMLButtonElement; number: HTMLSpanElement }>();
  const element = h(
    "ul",
    { className: "status-counts", "aria-label": "Monitors by status" },
    order.map((status) => {
      const number = h("span", { className: "n" }, "0");
      const button = h(
        "button",
        { type: "button", className: `count s-${status}`, "aria-pressed": "false" },
        number,
        h("span", { className: "word" }, ` ${status}`),
      );
      button.addEventListener("click", () => onPick(status));
      buttons.set(status, { button, number });
      return h("li", null, button);
    }),
  );
  return {
    element,
    /** Shows the counts, and which status the filter is on. */
    update(tally: Record<Status, number>, filtered: string): void {
      for (const [status, { button, number }] of buttons) {
        const text = tally[status].toLocaleString();
        if (number.textContent !== text) number.textContent = text;
        button.setAttribute("aria-pressed", String(filtered === status));
        button.classList.toggle("is-zero", tally[status] === 0);
      }
    },
  };
}
