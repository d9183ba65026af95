import packageJson from "../package.json" with { type: "json" };

/** This package's version, sent in the `user-agent` header. Inlined at build time. */
export const packageVersion: string = packageJson.version;
