#!/usr/bin/env node
// `npx amstaff-server` looks up a package of that name: this one only runs @amstaff/server's command.
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `amstaff-server: Node.js ${process.versions.node} is too old; install Node.js 22.12 or later (24 LTS recommended).\n`,
  );
  process.exit(1);
}
await import("@amstaff/server/cli");
