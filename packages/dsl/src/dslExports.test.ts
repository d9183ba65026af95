import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { dslTypeNames } from "./dslExports.js";

it("lets module files import every type @amstaff/dsl exports", () => {
  const index = readFileSync(new URL("./index.ts", import.meta.url), "utf8");
  const typeExports = [...index.matchAll(/export type \{([^}]*)\}/g)].flatMap((m) =>
    (m[1] ?? "")
      .split(",")
      .map((name) => name.trim())
      .filter(Boolean),
  );
  expect([...dslTypeNames].sort()).toEqual(typeExports.sort());
});
