import type { HandlerSpec, MonitorDefinition } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { definition } from "../__tests__/fixtures.js";
import { carryIncident } from "./incidents.js";
import type { IncidentRecord } from "./records.js";

const handler = (plugin: string, options: Record<string, string> = {}) =>
  ({ plugin, options }) as HandlerSpec;
const monitorWith = (...handlers: HandlerSpec[]): MonitorDefinition => ({
  ...definition().monitors[0]!,
  handlers,
});
const incident = (notified: number[], held?: number[]): IncidentRecord => ({
  key: "local-2",
  openedAt: 10,
  notified,
  lastNotifiedAt: 10,
  held,
});

describe("carryIncident", () => {
  it("tells handlers apart by their options, not only their plugin", () => {
    const before = monitorWith(handler("slack", { channel: "#ops" }), handler("slack", { channel: "#dev" }));
    const after = monitorWith(handler("slack", { channel: "#dev" }));
    expect(carryIncident(incident([0, 1]), before, after)).toMatchObject({
      notified: [0],
      departed: [{ index: 0, handler: handler("slack", { channel: "#ops" }) }],
    });
  });

  it("moves held-back handlers with their position, and drops `held` when none is left", () => {
    const slack = handler("slack");
    const pager = handler("pager");
    const before = monitorWith(slack, pager);
    expect(carryIncident(incident([0], [1]), before, monitorWith(pager, slack)).held).toEqual([0]);
    expect(carryIncident(incident([0], [1]), before, monitorWith(slack)).held).toBeUndefined();
  });

  it("keeps handlers that departed at an earlier push departed, and maps a repeated handler to its first place", () => {
    const slack = handler("slack");
    const email = handler("email");
    const earlier = { index: 3, handler: handler("pager") };
    const carried = carryIncident(
      { ...incident([0, 1]), departed: [earlier] },
      monitorWith(slack, email),
      monitorWith(email, email),
    );
    expect(carried).toMatchObject({ notified: [0], departed: [earlier, { index: 0, handler: slack }] });
  });
});
