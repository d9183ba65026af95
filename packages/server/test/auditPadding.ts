/** `count` audit entries of about 280 bytes each, as an export carries them: to make a state of megabytes. */
export const auditPadding = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    index: i + 1,
    at: i,
    action: "padding",
    teams: [],
    actor: { name: "load" },
    detail: "x".repeat(200),
  }));
