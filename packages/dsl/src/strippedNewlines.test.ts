import { describe, expect, it } from "vitest";
import { strippedNewlines } from "./strippedNewlines.js";

const moduleFile = `import { amstaff, every } from "@amstaff/dsl";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("Shop", (m) => {
  m.monitor("Home", { sampler: httpGet({ url: "https://shop.example.com/" }), timing: every("1m") });
});
`;

describe("strippedNewlines", () => {
  it("recognises a module file that lost its line breaks, and not one that kept them", () => {
    expect(strippedNewlines(moduleFile)).toBe(false);
    expect(strippedNewlines(moduleFile.replace(/\n/g, ""))).toBe(true);
    expect(strippedNewlines(`// a comment${moduleFile}`.replace(/\n/g, ""))).toBe(true);
    expect(strippedNewlines('export default "https://example.com/";')).toBe(false);
    expect(strippedNewlines(`import x from "y";${" ".repeat(300)}`)).toBe(false);
  });

  it("scans a one-line file of a megabyte in linear time", () => {
    // `import ` 150,000 times without a `;`: the former pattern rescanned to the end from every `import`
    // (about two minutes on the event loop of the node a module is pushed to).
    expect(strippedNewlines("import ".repeat(150_000))).toBe(false);
    expect(strippedNewlines(`${"import ".repeat(150_000)}; x`)).toBe(true);
    expect(strippedNewlines(`${"import ".repeat(150_000)};${" ".repeat(100_000)}`)).toBe(false);
  });
});
