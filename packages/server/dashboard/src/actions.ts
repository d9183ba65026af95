import { mayAct } from "../../src/access/rights.js";
import type { CallOptions, Operation, SuccessOf } from "../../src/client/client.js";
import { AmstaffApiError } from "../../src/client/client.js";
import { api, session } from "./api.js";
import { h } from "./dom.js";
import { dateTime } from "./format.js";

/** The signed-in token: its name, team and role (`GET /whoami`). */
export type Me = SuccessOf<Operation<"/whoami", "get">>;

/** A silence, as `GET /silences` answers. */
export type SilenceView = SuccessOf<Operation<"/silences", "get">>[number];

let me: { token: string | null; answer: Promise<Me> } | undefined;

/** Who the session's token is, asked once per token. */
export function whoami(): Promise<Me> {
  if (me?.token !== session.token) me = { token: session.token, answer: api.call("get", "/whoami") };
  return me.answer;
}

/**
 * Whether the token may acknowledge and silence on a module of team `team` (undefined: every module).
 * Only a hint for which buttons to show: the API checks the same rule (src/access/rights.ts) on each call.
 */
export const mayOperate = (who: Me, team: string | undefined) => mayAct(who, "operate", team);

let ids = 0;
const nextId = (prefix: string) => `${prefix}-${++ids}`;

let announcer: HTMLElement | undefined;

/** Says what an action did to screen readers (the page re-renders the incident it acted on). */
function announce(text: string): void {
  if (!announcer?.isConnected) {
    announcer = h("div", { className: "sr-only", role: "status", "aria-live": "polite" });
    document.body.append(announcer);
  }
  announcer.textContent = text;
}

/**
 * Runs an API call for a control: disables it meanwhile, shows the server's refusal in `error` (a live
 * region beside the control), and on success announces `said` and calls `done`.
 */
async function act(
  control: HTMLButtonElement,
  error: HTMLElement,
  call: () => Promise<unknown>,
  said: string,
  done: () => void,
): Promise<void> {
  // aria-disabled, not disabled: a disabled button drops the keyboard focus, which the page then gives
  // back to the incident once it re-rendered it.
  if (control.getAttribute("aria-disabled") === "true") return;
  control.setAttribute("aria-disabled", "true");
  error.textContent = "";
  try {
    await call();
    announce(said);
    done();
  } catch (e) {
    error.textContent =
      e instanceof AmstaffApiError ? e.message : `Could not reach the server: ${(e as Error).message}`;
  } finally {
    control.removeAttribute("aria-disabled");
  }
}

const errorLine = () => h("p", { className: "error", role: "alert" });

/** "Acknowledge": takes the incident `key` of a monitor (a stale page cannot acknowledge a newer one). */
export function ackButton(
  target: { module: string; monitor: string; key: string },
  done: () => void,
): HTMLElement {
  const error = errorLine();
  const button = h("button", { type: "button", className: "act" }, "Acknowledge");
  button.setAttribute("aria-label", `Acknowledge the incident of ${target.monitor}`);
  button.addEventListener("click", () =>
    act(
      button,
      error,
      () =>
        api.call("post", "/monitors/{module}/{monitor}/ack", {
          path: { module: target.module, monitor: target.monitor },
          body: { incident: target.key },
        }),
      `Acknowledged the incident of ${target.monitor}.`,
      done,
    ),
  );
  return h("div", { className: "action" }, button, error);
}

/** A form behind a disclosure: the summary opens it, Escape closes it and gives the focus back. */
function disclosure(label: string, form: HTMLFormElement): HTMLDetailsElement {
  const summary = h("summary", { className: "act" }, label);
  const details = h("details", { className: "action" }, summary, form);
  details.addEventListener("keydown", (event) => {
    if ((event as KeyboardEvent).key !== "Escape" || !details.open) return;
    details.open = false;
    summary.focus();
  });
  return details;
}

type SilenceBody = NonNullable<CallOptions<Operation<"/silences", "post">>["body"]>;

/**
 * A form that sets a silence, behind a disclosure: labelled fields, a submit button, and the server's
 * refusal in place. `body` reads the fields; a string instead is a problem to show without asking.
 */
function silenceAction(
  texts: { summary: string; form: string; submit: string; done: string },
  fields: [label: string, control: HTMLInputElement | HTMLSelectElement][],
  body: () => SilenceBody | string,
  done: () => void,
): HTMLElement {
  const error = errorLine();
  const submit = h("button", { type: "submit" }, texts.submit);
  const form = h(
    "form",
    { className: "action-form", "aria-label": texts.form },
    fields.map(([label, control]) => {
      control.id = nextId("action-field");
      return h("div", { className: "field" }, h("label", { for: control.id }, label), control);
    }),
    submit,
    error,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const request = body();
    if (typeof request === "string") {
      error.textContent = request;
      return;
    }
    void act(submit, error, () => api.call("post", "/silences", { body: request }), texts.done, done);
  });
  return disclosure(texts.summary, form);
}

const durations: [label: string, value: string][] = [
  ["30 minutes", "30m"],
  ["1 hour", "1h"],
  ["2 hours", "2h"],
  ["4 hours", "4h"],
  ["1 day", "1d"],
];

const commentInput = () => h("input", { name: "reason", type: "text", maxlength: 1000 });

/** "Silence…": holds back the monitor's alerts from now, for a chosen duration, with a comment. */
export function silenceForm(target: { module: string; monitor: string }, done: () => void): HTMLElement {
  const duration = h(
    "select",
    { name: "for" },
    durations.map(([label, value]) => h("option", { value }, label)),
  );
  duration.value = "1h";
  const comment = commentInput();
  return silenceAction(
    {
      summary: "Silence…",
      form: `Silence ${target.monitor}`,
      submit: "Silence",
      done: `Silenced ${target.monitor}.`,
    },
    [
      ["For", duration],
      ["Comment", comment],
    ],
    () => ({ module: target.module, monitors: [target.monitor], for: duration.value, reason: comment.value }),
    done,
  );
}

/** The value of a `datetime-local` input `minutes` from now, in this browser's time zone. */
const localInput = (minutes: number) => {
  const t = new Date(Date.now() + minutes * 60_000);
  t.setSeconds(0, 0);
  return new Date(t.getTime() - t.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

/**
 * "Schedule maintenance…": a silence that starts later (start, end, comment), of the monitor or of its
 * whole module. Times are this browser's local time; the API gets them as instants.
 */
export function maintenanceForm(target: { module: string; monitor: string }, done: () => void): HTMLElement {
  const start = h("input", { name: "from", type: "datetime-local", required: true });
  const end = h("input", { name: "until", type: "datetime-local", required: true });
  start.value = localInput(60);
  end.value = localInput(120);
  const scope = h(
    "select",
    { name: "scope" },
    h("option", { value: "monitor" }, `This monitor (${target.monitor})`),
    h("option", { value: "module" }, `The whole module (${target.module})`),
  );
  const comment = commentInput();
  return silenceAction(
    {
      summary: "Schedule maintenance…",
      form: `Schedule maintenance for ${target.monitor}`,
      submit: "Schedule",
      done: "Maintenance scheduled.",
    },
    [
      ["Start", start],
      ["End", end],
      ["Covers", scope],
      ["Comment", comment],
    ],
    () => {
      const from = new Date(start.value);
      const until = new Date(end.value);
      if (Number.isNaN(from.getTime()) || Number.isNaN(until.getTime())) return "Give a start and an end.";
      return {
        module: target.module,
        ...(scope.value === "monitor" && { monitors: [target.monitor] }),
        from: from.toISOString(),
        until: until.toISOString(),
        reason: comment.value,
      };
    },
    done,
  );
}

/** "Expire": ends a silence (or cancels a scheduled maintenance) now. */
export function expireButton(silence: SilenceView, done: () => void): HTMLElement {
  const error = errorLine();
  const scheduled = silence.from > Date.now();
  const button = h("button", { type: "button", className: "act" }, scheduled ? "Cancel" : "Expire");
  button.setAttribute(
    "aria-label",
    `${scheduled ? "Cancel" : "Expire"} the silence ${silence.id} (until ${dateTime(silence.until)})`,
  );
  button.addEventListener("click", () =>
    act(
      button,
      error,
      () => api.call("delete", "/silences/{id}", { path: { id: silence.id } }),
      scheduled ? "Maintenance cancelled." : "Silence expired.",
      done,
    ),
  );
  return h("div", { className: "action" }, button, error);
}
