import "uplot/dist/uPlot.min.css";
import "./styles.css";
import "./overview.css";
import { ApiError, getJson, session, setUnauthorizedHandler } from "./api.js";
import { renderCluster } from "./clusterPage.js";
import { h, replace } from "./dom.js";
import { renderIncidents } from "./incidents.js";
import { renderModule } from "./modulePage.js";
import { renderMonitor } from "./monitorPage.js";
import { renderOverview } from "./overview.js";
import { store } from "./store.js";

const main = document.getElementById("main") as HTMLElement;
const nav = document.getElementById("nav") as HTMLElement;
const live = document.getElementById("live") as HTMLElement;
let cleanup: (() => void) | undefined;

/** The sign-in form: the token is checked with one request, then kept in this tab's sessionStorage. */
function signIn(message?: string): void {
  cleanup?.();
  cleanup = undefined;
  store.stop();
  nav.hidden = true;
  live.textContent = "";
  const input = h("input", {
    id: "token",
    name: "token",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const error = h("p", { className: "error", role: "alert", id: "signin-error" }, message ?? "");
  const button = h("button", { type: "submit" }, "Sign in");
  const form = h(
    "form",
    {
      className: "signin",
      "aria-describedby": "signin-help",
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const token = input.value.trim();
        button.disabled = true;
        error.textContent = "";
        try {
          await getJson("/overview", token);
          session.token = token;
          start();
        } catch (e) {
          error.textContent =
            e instanceof ApiError && e.status === 401
              ? "That token was refused. Check it and try again."
              : `Could not reach the server: ${(e as Error).message}`;
          input.setAttribute("aria-invalid", "true");
          input.focus();
        } finally {
          button.disabled = false;
        }
      },
    },
    h("h1", null, "Sign in"),
    h(
      "p",
      { id: "signin-help" },
      "Paste an Amstaff API token or a read-only token. It is kept in this browser tab only and sent with each request.",
    ),
    h("div", { className: "field" }, h("label", { for: "token" }, "Token"), input),
    error,
    button,
  );
  replace(main, form);
  input.focus();
}

const decodeSegment = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

/** Renders the page the URL's hash names. */
function route(): void {
  cleanup?.();
  const raw = location.hash.replace(/^#\/?/, "").split("/").map(decodeSegment);
  for (const link of nav.querySelectorAll("a")) {
    if (link.getAttribute("href") === `#/${raw[0] === "cluster" || raw[0] === "incidents" ? raw[0] : ""}`)
      link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (raw[0] === "monitor" && raw.length === 3) cleanup = renderMonitor(main, raw[1]!, raw[2]!);
  else if (raw[0] === "module" && raw.length === 2) cleanup = renderModule(main, raw[1]!);
  else if (raw[0] === "cluster") cleanup = renderCluster(main);
  else if (raw[0] === "incidents") cleanup = renderIncidents(main);
  else cleanup = renderOverview(main);
  document.title = `${main.querySelector("h1")?.textContent ?? "Dashboard"} · Amstaff`;
}

function start(): void {
  nav.hidden = false;
  store.start();
  route();
}

store.onConnection(() => {
  live.textContent =
    store.connection === "live"
      ? "Live"
      : store.connection === "reconnecting"
        ? "Reconnecting…"
        : "Connecting…";
  live.className = `live is-${store.connection}`;
});
setUnauthorizedHandler(() => {
  session.token = null;
  signIn("The server refused the token (it may have been revoked). Sign in again.");
});
document.getElementById("signout")?.addEventListener("click", () => {
  session.token = null;
  signIn();
});
// The skip link moves focus to the page's content; followed as a link, "#main" would be read as a route.
document.querySelector<HTMLAnchorElement>("a.skip")?.addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener("hashchange", () => {
  if (session.token && location.hash === "#main") main.focus();
  else if (session.token) {
    route();
    main.focus();
  }
});
if (session.token) start();
else signIn();
