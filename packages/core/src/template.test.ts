import { describe, expect, it } from "vitest";
import {
  formatDuration,
  jsonTemplateSchema,
  renderJsonTemplate,
  renderTemplate,
  templateSchema,
  unknownTemplateVariables,
} from "./template.js";
import type { Transition } from "./transition.js";

const transition: Transition = {
  id: "c1-7",
  module: "User Service",
  monitor: "Health",
  tags: ["prod", "team8"],
  from: "ok",
  to: "critical",
  since: Date.UTC(2026, 10, 24, 3, 0, 0),
  previousSince: Date.UTC(2026, 10, 24, 1, 55, 0),
  result: { status: "critical", message: "HTTP 500", value: 12, durationMs: 12, timestamp: 0 },
  incident: { key: "c1-7", openedAt: 0 },
};

describe("templates", () => {
  it("renders every variable", () => {
    expect(
      renderTemplate(
        "{{TO}} {{module}}/{{ monitor }} [{{tags}}] {{from}}->{{to}} {{value}} {{message}} {{since}} after {{duration}} {{incident}}{{link}}",
        transition,
      ),
    ).toBe(
      "CRITICAL User Service/Health [prod, team8] ok->critical 12 HTTP 500 2026-11-24T03:00:00.000Z after 1h 5m c1-7",
    );
  });

  it("names the kind of notification, a status change when the transition does not say", () => {
    expect(renderTemplate("{{kind}}", transition)).toBe("transition");
    for (const kind of ["transition", "reminder", "escalation", "flapping"] as const) {
      expect(renderTemplate("{{ kind }}: {{TO}}", { ...transition, kind })).toBe(`${kind}: CRITICAL`);
    }
    expect(templateSchema.safeParse("{{kind}} {{module}}").success).toBe(true);
  });

  it("refuses unknown variables when validating, naming them", () => {
    expect(unknownTemplateVariables("{{module}} {{modul}} {{ status }}")).toEqual(["modul", "status"]);
    const parsed = templateSchema.safeParse("{{modul}} is down");
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toContain("unknown template variable {{modul}}");
  });

  it("scans module-supplied templates in linear time: `{{` then thousands of spaces is scanned at once", () => {
    // With the former placeholder pattern this took ~25 s for 4,000 spaces (cubic backtracking) and ~7 min
    // for the 10,000 characters a template may have, on the node's event loop.
    const hostile = `{{${" ".repeat(9_990)}`;
    expect(unknownTemplateVariables(hostile)).toEqual([]);
    expect(templateSchema.safeParse(hostile).success).toBe(true);
    expect(renderTemplate(`${hostile}{{module}}`, transition)).toBe(`${hostile}User Service`);
    const unclosed = `{{${" x ".repeat(3_000)}`;
    expect(renderTemplate(unclosed, transition)).toBe(unclosed);
  });

  it("trims any whitespace around a variable's name, line breaks and tabs included", () => {
    expect(renderTemplate("{{\tmodule\n}}|{{  TO }}|{{monitor}}", transition)).toBe(
      "User Service|CRITICAL|Health",
    );
    expect(unknownTemplateVariables("{{ \u00a0modul }}")).toEqual(["modul"]);
    expect(renderTemplate("{{ }}{{}}{{ {module} }}", transition)).toBe("{{ }}{{}}{{ {module} }}");
  });

  it("formats durations with their two largest units", () => {
    expect([0, 42_000, 3_900_000, 273_600_000, 90_061_000].map(formatDuration)).toEqual([
      "0s",
      "42s",
      "1h 5m",
      "3d 4h",
      "1d 1h",
    ]);
  });
});

describe("templates of a resolve", () => {
  it("read as the recovery of the incident: from its worst status, for its whole duration", () => {
    const resolve: Transition = {
      ...transition,
      from: "critical",
      to: "ok",
      since: Date.UTC(2026, 10, 24, 4, 5, 0),
      previousSince: Date.UTC(2026, 10, 24, 3, 0, 0),
      result: { status: "ok", message: "HTTP 200", durationMs: 3, timestamp: 0 },
      incident: { key: "c1-7", openedAt: Date.UTC(2026, 10, 24, 3, 0, 0), worst: "critical" },
      kind: "transition",
    };
    expect(renderTemplate("{{FROM}} -> {{TO}} after {{duration}} (worst {{worst}})", resolve)).toBe(
      "CRITICAL -> OK after 1h 5m (worst critical)",
    );
    expect(renderTemplate("[{{worst}}]", { ...transition, incident: undefined })).toBe("[]");
  });
});

describe("JSON templates", () => {
  it("renders the strings of a JSON value and keeps it valid JSON whatever a variable holds", () => {
    const hostile: Transition = {
      ...transition,
      result: { ...transition.result, message: 'quote " and \\ and {"x":1}' },
    };
    const body = renderJsonTemplate(
      { text: "{{TO}} {{monitor}}: {{message}}", n: 3, ok: true, none: null, list: ["{{module}}"] },
      hostile,
    );
    expect(body).toEqual({
      text: 'CRITICAL Health: quote " and \\ and {"x":1}',
      n: 3,
      ok: true,
      none: null,
      list: ["User Service"],
    });
    expect(JSON.parse(JSON.stringify(body))).toEqual(body);
  });

  it("refuses unknown variables anywhere in the value", () => {
    const parsed = jsonTemplateSchema.safeParse({ blocks: [{ text: "{{monitr}}" }] });
    expect(parsed.success).toBe(false);
  });
});
