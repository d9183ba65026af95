import { getJson, seg } from "./api.js";
import { dataTable, h, replace } from "./dom.js";

interface ClusterView {
  node: string;
  clusterId: string | null;
  leader: string | null;
  term: number;
  commitIndex: number;
  appliedIndex: number;
  answeredBy: string;
  members: {
    id: string;
    role: string;
    voter: boolean;
    apiUrl: string | null;
    health: string;
    lastRenewalMsAgo: number | null;
    modules: string[];
  }[];
  unowned: string[];
}

/** The cluster: members, leader, term, who owns which module, health; refreshed every 5 seconds. */
export function renderCluster(root: HTMLElement): () => void {
  const abort = new AbortController();
  const body = h("div", { "aria-live": "polite" }, h("p", null, "Loading…"));
  replace(root, h("h1", null, "Cluster"), body);

  const load = async () => {
    try {
      const view = await getJson<ClusterView>("/cluster", undefined, abort.signal);
      replace(
        body,
        h(
          "dl",
          { className: "facts" },
          h("div", null, h("dt", null, "Leader"), h("dd", null, view.leader ?? "none (no majority)")),
          h("div", null, h("dt", null, "Term"), h("dd", null, String(view.term))),
          h("div", null, h("dt", null, "Commit index"), h("dd", null, String(view.commitIndex))),
          h("div", null, h("dt", null, "Members"), h("dd", null, String(view.members.length))),
          h("div", null, h("dt", null, "Answered by"), h("dd", null, view.answeredBy)),
        ),
        dataTable(
          ["Node", "Role", "Health", "API", "Modules owned"],
          view.members.map((m) => [
            [m.id, m.id === view.node ? " (this node)" : null],
            [m.role, m.voter ? "" : " (non-voting)"],
            h("span", { className: `badge h-${m.health}` }, m.health),
            m.apiUrl ?? "—",
            m.modules.length === 0
              ? "none"
              : h(
                  "details",
                  null,
                  h("summary", null, `${m.modules.length} module${m.modules.length === 1 ? "" : "s"}`),
                  h(
                    "ul",
                    { className: "plain" },
                    m.modules.map((name) => h("li", null, h("a", { href: `#/module/${seg(name)}` }, name))),
                  ),
                ),
          ]),
          { rowHeader: true },
        ),
        view.unowned.length > 0
          ? h("p", { className: "error" }, `Modules without an owner: ${view.unowned.join(", ")}`)
          : null,
      );
    } catch (error) {
      if (!abort.signal.aborted)
        replace(body, h("p", { className: "error", role: "alert" }, (error as Error).message));
    }
  };
  void load();
  const timer = setInterval(() => void load(), 5_000);
  return () => {
    abort.abort();
    clearInterval(timer);
  };
}
