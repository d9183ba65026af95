import { describe, expect, it } from "vitest";
import { fixture, fixtureNames } from "./__tests__/fixtures.js";
import { aggregate } from "./aggregate.js";
import { errorExcerpt, parseRenderResponse } from "./renderResponse.js";

describe("parseRenderResponse", () => {
  it("reads every recorded 200 answer of a real graphite-web", () => {
    for (const name of fixtureNames.filter((n) => !["server-error", "unknown-function"].includes(n))) {
      const parsed = parseRenderResponse(fixture(name));
      expect(parsed.ok, name).toBe(true);
    }
    const parsed = parseRenderResponse(fixture("five-series"));
    expect(parsed.ok && parsed.series.map((s) => s.target)).toEqual([
      "servers.web1.cpu",
      "servers.web2.cpu",
      "servers.web3.cpu",
      "servers.web4.cpu",
      "servers.web5.cpu",
    ]);
  });

  it("reads Graphite's 1e9999 (infinity) without failing", () => {
    const parsed = parseRenderResponse(
      '[{"target": "x", "datapoints": [[1e9999, 10], [2.0, 20], [null, 30]]}]',
    );
    expect(parsed.ok && parsed.series[0]?.datapoints).toEqual([
      [Number.POSITIVE_INFINITY, 10],
      [2, 20],
      [null, 30],
    ]);
  });

  it("says why a body is not a render answer", () => {
    expect(parseRenderResponse("<html>")).toMatchObject({ ok: false, reason: /^the body is not JSON/ });
    expect(parseRenderResponse('[{"target": "x", "datapoints": [["1", 10]]}]')).toMatchObject({
      ok: false,
      reason: /^the JSON is not a list of \{ target, datapoints \} series \(0\.datapoints\.0\.0: /,
    });
  });
});

describe("errorExcerpt", () => {
  it("keeps the exception line of graphite-web's HTML traceback, entities decoded", () => {
    expect(errorExcerpt(fixture("server-error"))).toBe(
      "pyparsing.exceptions.ParseException: , found '.' (at char 8), (line:1, col:9)",
    );
  });

  it("keeps a plain error as it is, and cuts a long one", () => {
    expect(errorExcerpt(fixture("unknown-function"))).toBe(fixture("unknown-function").trim());
    expect(errorExcerpt("x".repeat(500))).toHaveLength(200);
  });

  it("drops scripts and styles, whatever their case, and keeps text between them", () => {
    expect(
      errorExcerpt(
        "<STYLE>p{}</style>Bad <b>target</b><script>x()</SCRIPT> &lt;here&gt; &#x1F600; &#99999999;",
      ),
    ).toBe("Bad target <here> 😀 &#99999999;");
    expect(errorExcerpt("<script>never closed <style>s</style>text")).toBe("never closed text");
  });

  it("reads a hostile error page of a target in linear time", () => {
    // Each of these took seconds to minutes before (quadratic scans), on the node's event loop.
    expect(errorExcerpt("<script>".repeat(150_000))).toBe("");
    expect(errorExcerpt("<script".repeat(150_000))).toHaveLength(200);
    expect(errorExcerpt("<".repeat(1_000_000))).toHaveLength(200);
    expect(errorExcerpt(`${"&a".repeat(500_000)}`)).toHaveLength(200);
    const traceback = `${"<p>".repeat(2_000_000)}Traceback (most recent call last)<p>ValueError: bad`;
    expect(errorExcerpt(traceback)).toBe("ValueError: bad");
  });
});

describe("aggregate", () => {
  const points: [number | null, number][] = [
    [null, 0],
    [4, 10],
    [Number.NaN, 20],
    [null, 30],
    [1, 40],
    [Number.POSITIVE_INFINITY, 50],
    [7, 60],
    [null, 70],
  ];

  it("skips null, NaN and infinite datapoints", () => {
    expect(aggregate(points, "avg")).toBe(4);
    expect(aggregate(points, "last")).toBe(7);
    expect(aggregate(points, "min")).toBe(1);
    expect(aggregate(points, "max")).toBe(7);
    expect(aggregate(points, "sum")).toBe(12);
  });

  it("has no value for a series without datapoints", () => {
    for (const aggregation of ["avg", "last", "min", "max", "sum"] as const) {
      expect(aggregate([[null, 0]], aggregation)).toBeUndefined();
      expect(aggregate([], aggregation)).toBeUndefined();
    }
  });
});
