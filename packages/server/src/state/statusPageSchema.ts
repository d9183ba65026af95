import { z } from "zod";

/**
 * A page's slug: its URL (`/status/<slug>`). `tag` and `module` are the `--status-page` flag's pages
 * (`/status/tag/<tag>`), so no configured page may take them.
 */
export const slugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lower-case letters, digits and -, 1 to 63 characters")
  .refine((s) => s !== "tag" && s !== "module", '"tag" and "module" are the --status-page flag\'s pages');

/** `tag:<tag>` or `module:<module name>`: the monitors a component shows. */
export const selectorSchema = z
  .string()
  .trim()
  .regex(/^(tag|module):.+$/, 'expected "tag:<tag>" or "module:<module name>"')
  .max(300);

/** Whether a selector (`tag:<tag>`, `module:<name>`) takes a monitor of a module. */
export function selects(selector: string, module: string, tags: readonly string[]): boolean {
  const at = selector.indexOf(":");
  const value = selector.slice(at + 1);
  return selector.slice(0, at) === "tag" ? tags.includes(value) : module === value;
}

const line = (max: number) => z.string().trim().min(1).max(max);

/** The largest uploaded logo, decoded: 64 KiB. A logo travels in the log and every snapshot. */
export const maxLogoBytes = 64 * 1024;

/** The image types an uploaded logo may have. */
export const logoTypes = ["image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml"] as const;

const base64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * A logo: an https URL the page links to (never http: a page served over https would block it as mixed
 * content), or a small image kept in the state.
 */
export const logoSchema = z.union([
  z.strictObject({
    url: z
      .url({ protocol: /^https$/ })
      .max(2_000)
      .describe("An https URL of the image: the page's CSP allows images from its origin"),
  }),
  z.strictObject({
    type: z.enum(logoTypes),
    data: z
      .string()
      .max(Math.ceil(maxLogoBytes / 3) * 4)
      .regex(base64, "base64")
      .describe(`The image, base64; at most ${maxLogoBytes} bytes decoded`),
  }),
]);

/** A component of a status page: a name the public reads, and the monitors (of the page's team) behind it. */
export const componentSchema = z.strictObject({
  name: line(120),
  description: z.string().trim().max(500).default(""),
  /** Which monitors make the component: every monitor a selector names, of the page's team's modules. */
  select: z.array(selectorSchema).min(1).max(50),
});

/** What `PUT /status-pages/{slug}` and `amstaff status-page set` take: a whole page. */
export const statusPageInputSchema = z
  .strictObject({
    slug: slugSchema,
    title: line(120),
    description: z.string().trim().max(2_000).default(""),
    logo: logoSchema.optional(),
    /** The team whose monitors it publishes (an admin's choice). @default the token's team */
    team: z
      .string()
      .regex(/^[\w.-]{1,64}$/)
      .optional(),
    groups: z
      .array(z.strictObject({ name: line(120), components: z.array(componentSchema).min(1).max(100) }))
      .min(1)
      .max(50),
    /** How many days a resolved incident or completed maintenance stays on the page. @default 7 */
    showResolvedDays: z.number().int().min(0).max(90).default(7),
  })
  .superRefine((page, ctx) => {
    const names = page.groups.flatMap((g) => g.components.map((c) => c.name.toLowerCase()));
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["groups"],
        message: `component "${twice}" appears twice: component names are unique on a page (its badge URL names it)`,
      });
    }
    const groups = page.groups.map((g) => g.name.toLowerCase());
    const group = groups.find((n, i) => groups.indexOf(n) !== i);
    if (group !== undefined) {
      ctx.addIssue({ code: "custom", path: ["groups"], message: `group "${group}" appears twice` });
    }
    if (page.logo && "data" in page.logo && Buffer.from(page.logo.data, "base64").length > maxLogoBytes) {
      ctx.addIssue({ code: "custom", path: ["logo"], message: `a logo is at most ${maxLogoBytes} bytes` });
    }
  });

/** A status page as the state keeps it. */
export const statusPageRecordSchema = z.object({
  ...statusPageInputSchema.shape,
  team: z.string().min(1),
  createdAt: z.number(),
  updatedAt: z.number(),
  updatedBy: z.string(),
});

/** A status page as the state keeps it. */
export type StatusPageRecord = z.output<typeof statusPageRecordSchema>;

/** The kinds of note a page shows, and the statuses each goes through (the last one closes it). */
export const noteStatuses = {
  incident: ["investigating", "identified", "monitoring", "resolved"],
  maintenance: ["scheduled", "in_progress", "completed"],
  announcement: ["active", "resolved"],
} as const;

/** What a note is. */
export type NoteKind = keyof typeof noteStatuses;

/** Every status of every kind. */
export const noteStatusSchema = z.enum([...new Set(Object.values(noteStatuses).flat())] as [
  string,
  ...string[],
]);

/** The statuses that close a note: it then falls off the page after `showResolvedDays`. */
export const closingStatuses: readonly string[] = ["resolved", "completed"];

/** How bad an incident is, as Atlassian Statuspage says it. */
export const impactSchema = z.enum(["none", "minor", "major", "critical"]);

/** One update of a note, as the state keeps it. */
export const noteUpdateSchema = z.object({
  at: z.number(),
  status: noteStatusSchema,
  message: z.string().max(5_000),
  by: z.string(),
});

/** An incident, maintenance or announcement of a page, as the state keeps it. */
export const statusNoteRecordSchema = z.object({
  id: z.string().min(1),
  page: slugSchema,
  kind: z.enum(["incident", "maintenance", "announcement"]),
  title: z.string(),
  impact: impactSchema,
  status: noteStatusSchema,
  /** The names of the page's components it concerns. */
  components: z.array(z.string()),
  /** For maintenance: the window announced. */
  startsAt: z.number().optional(),
  endsAt: z.number().optional(),
  createdAt: z.number(),
  updatedAt: z.number(),
  /** When a closing status was reached. */
  closedAt: z.number().optional(),
  /** Oldest first. */
  updates: z.array(noteUpdateSchema),
});

/** An incident, maintenance or announcement of a page, as the state keeps it. */
export type StatusNoteRecord = z.output<typeof statusNoteRecordSchema>;

/** Whether `status` is one that a note of `kind` goes through. */
export const statusFits = (kind: NoteKind, status: string): boolean =>
  (noteStatuses[kind] as readonly string[]).includes(status);
