import { diffLines } from "diff";
import { getJson, seg } from "./api.js";
import { dataTable, h, replace } from "./dom.js";
import { dateTime } from "./format.js";
import { statusBadge } from "./overview.js";
import { store } from "./store.js";
import { statusRank } from "./types.js";

interface History {
  module: string;
  current: number | null;
  revisions: {
    revision: number;
    version: number;
    hash: string;
    pushedBy: string;
    at: number;
    monitors: string[];
  }[];
}

/** The line diff of two sources, as a list a screen reader reads too: every line says added or removed. */
export function renderDiff(before: string, after: string): HTMLElement {
  const parts = diffLines(before, after);
  let added = 0;
  let removed = 0;
  const lines: HTMLElement[] = [];
  for (const part of parts) {
    const text = part.value.endsWith("\n") ? part.value.slice(0, -1) : part.value;
    const kind = part.added ? "add" : part.removed ? "del" : "same";
    for (const line of text.split("\n")) {
      if (kind === "add") added++;
      if (kind === "del") removed++;
      lines.push(
        h(
          "span",
          { className: `line ${kind}` },
          h("span", { className: "sr-only" }, kind === "add" ? "added: " : kind === "del" ? "removed: " : ""),
          h(
            "span",
            { className: "mark", "aria-hidden": "true" },
            kind === "add" ? "+ " : kind === "del" ? "- " : "  ",
          ),
          line,
          "\n",
        ),
      );
    }
  }
  return h(
    "div",
    null,
    h(
      "p",
      { role: "status" },
      added + removed === 0
        ? "The sources are identical."
        : `${added} line${added === 1 ? "" : "s"} added, ${removed} removed.`,
    ),
    h("pre", { className: "code diff", tabindex: 0, "aria-label": "Line diff" }, lines),
  );
}

/** A module: its monitors, the versions pushed (who, when) and the diff between two of them. */
export function renderModule(root: HTMLElement, module: string): () => void {
  const abort = new AbortController();
  const monitors = h("div");
  const versions = h("div");
  const diff = h("div", { className: "diff-out" });
  replace(
    root,
    h("nav", { className: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/" }, "Overview")),
    h("h1", null, module),
    h("section", { "aria-labelledby": "h-monitors" }, h("h2", { id: "h-monitors" }, "Monitors"), monitors),
    h("section", { "aria-labelledby": "h-versions" }, h("h2", { id: "h-versions" }, "Versions"), versions),
  );

  const renderMonitors = () => {
    const rows = [...store.rows.values()]
      .filter((r) => r.m === module)
      .sort((a, b) => statusRank[a.s] - statusRank[b.s] || a.n.localeCompare(b.n));
    replace(
      monitors,
      rows.length === 0
        ? h("p", null, store.loaded ? "No monitors." : "Loading…")
        : h(
            "ul",
            { className: "plain" },
            rows.map((r) =>
              h(
                "li",
                null,
                statusBadge(r.s, r.ack),
                " ",
                h("a", { href: `#/monitor/${seg(r.m)}/${seg(r.n)}` }, r.n),
              ),
            ),
          ),
    );
  };

  const showDiff = async (from: number, to: number) => {
    replace(diff, h("p", null, "Loading…"));
    try {
      const [a, b] = await Promise.all(
        [from, to].map((r) =>
          getJson<{ source: string }>(`/modules/${seg(module)}/history/${r}`, undefined, abort.signal),
        ),
      );
      replace(diff, h("h3", null, `Revision ${from} → ${to}`), renderDiff(a!.source, b!.source));
    } catch (error) {
      if (!abort.signal.aborted)
        replace(diff, h("p", { className: "error", role: "alert" }, (error as Error).message));
    }
  };

  void (async () => {
    try {
      const history = await getJson<History>(`/modules/${seg(module)}/history`, undefined, abort.signal);
      const options = () =>
        history.revisions.map((r) => h("option", { value: r.revision }, `Revision ${r.revision}`));
      const fromSelect = h("select", { id: "diff-from" }, options());
      const toSelect = h("select", { id: "diff-to" }, options());
      toSelect.value = String(history.revisions[0]?.revision ?? "");
      fromSelect.value = String(history.revisions[1]?.revision ?? history.revisions[0]?.revision ?? "");
      replace(
        versions,
        dataTable(
          ["Revision", "Pushed by", "When", "Monitors"],
          history.revisions.map((r) => [
            [String(r.revision), r.revision === history.current ? " (running)" : null],
            r.pushedBy,
            dateTime(r.at),
            String(r.monitors.length),
          ]),
        ),
        history.revisions.length < 2
          ? h("p", null, "Only one version has been pushed: nothing to compare yet.")
          : h(
              "form",
              {
                className: "filters",
                "aria-label": "Compare versions",
                onsubmit: (e: Event) => {
                  e.preventDefault();
                  void showDiff(Number(fromSelect.value), Number(toSelect.value));
                },
              },
              h("div", { className: "field" }, h("label", { for: "diff-from" }, "From"), fromSelect),
              h("div", { className: "field" }, h("label", { for: "diff-to" }, "To"), toSelect),
              h("button", { type: "submit" }, "Show diff"),
            ),
        diff,
      );
      if (history.revisions.length >= 2) void showDiff(Number(fromSelect.value), Number(toSelect.value));
    } catch (error) {
      if (!abort.signal.aborted)
        replace(versions, h("p", { className: "error", role: "alert" }, (error as Error).message));
    }
  })();

  renderMonitors();
  const unsubscribe = store.subscribe((rows, full) => {
    if (full || rows.some((r) => r.m === module)) renderMonitors();
  });
  return () => {
    abort.abort();
    unsubscribe();
  };
}
