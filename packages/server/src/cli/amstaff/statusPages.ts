import { readFileSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import type { Operation, SuccessOf } from "../../client/client.js";
import { isoTime, renderTable, truncate } from "../format.js";
import { type Command, type CommandContext, exit, readSource, UsageError } from "./command.js";

type PageList = SuccessOf<Operation<"/status-pages", "get">>;
type PutResult = SuccessOf<Operation<"/status-pages/{slug}", "put">>;
type Note = SuccessOf<Operation<"/status-pages/{slug}/incidents", "post">>;
type Notes = SuccessOf<Operation<"/status-pages/{slug}/incidents", "get">>;

const imageTypes: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".svg": "image/svg+xml",
};

/**
 * Reads a page file: JSON, whose `logo` may be `{ "file": "logo.png" }` (relative to the file), sent
 * inline as `{ type, data }` since the server keeps uploaded logos in its state.
 */
export function readPageFile(path: string): Record<string, unknown> {
  let page: Record<string, unknown>;
  try {
    page = JSON.parse(readSource(path));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${path} is not JSON: ${(error as Error).message}`);
  }
  const logo = page.logo as { file?: unknown } | undefined;
  if (logo && typeof logo.file === "string") {
    const file = resolve(dirname(path), logo.file);
    const type = imageTypes[extname(file).toLowerCase()];
    if (!type) throw new UsageError(`logo ${logo.file}: use a .png, .jpg, .gif, .webp or .svg file`);
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch (error) {
      throw new UsageError(`cannot read logo ${file}: ${(error as NodeJS.ErrnoException).code}`);
    }
    page.logo = { type, data: data.toString("base64") };
  }
  return page;
}

const enc = encodeURIComponent;

const subcommands: Record<string, (context: CommandContext) => Promise<number>> = {
  async list({ client, flags, json, say, out }) {
    const pages = await client().request<PageList>("GET", "/status-pages");
    if (flags.json) return json(pages);
    if (pages.length === 0) return say("no status pages (amstaff status-page set <file.json> makes one)");
    out(
      renderTable(
        ["SLUG", "TITLE", "TEAM", "COMPONENTS", "URL"],
        pages.map((p) => [p.slug, truncate(p.title, 40), p.team, String(p.components), p.url]),
      ),
    );
    return exit.ok;
  },
  async set({ args, client, flags, json, out, need }) {
    need(2, "a page file (JSON)");
    const page = readPageFile(args[1]!);
    if (typeof page.slug !== "string") throw new UsageError(`${args[1]} has no "slug"`);
    const put = await client().request<PutResult>(
      "PUT",
      `/status-pages/${enc(page.slug)}`,
      JSON.stringify(page),
    );
    if (flags.json) return json(put);
    out(`✔ ${put.created ? "published" : "updated"} status page ${put.page.slug}: /status/${put.page.slug}`);
    for (const warning of put.warnings) out(`  ! ${warning}`);
    return exit.ok;
  },
  async delete({ args, client, out, need }) {
    need(2, "the page's slug");
    await client().request("DELETE", `/status-pages/${enc(args[1]!)}`);
    out(`✔ deleted status page ${args[1]}`);
    return exit.ok;
  },
  async post({ args, client, flags, json, out, need }) {
    need(2, "the page's slug");
    if (flags.title === undefined || flags.message === undefined)
      throw new UsageError(`give --title and --message\n\n${statusPage.help}`);
    const note = await client().request<Note>(
      "POST",
      `/status-pages/${enc(args[1]!)}/incidents`,
      JSON.stringify({
        title: flags.title,
        message: flags.message,
        ...(flags.kind !== undefined && { kind: flags.kind }),
        ...(flags.impact !== undefined && { impact: flags.impact }),
        ...(flags.status !== undefined && { status: flags.status }),
        ...(flags.component && { components: flags.component }),
        ...(flags.from !== undefined && { startsAt: flags.from }),
        ...(flags.until !== undefined && { endsAt: flags.until }),
      }),
    );
    if (flags.json) return json(note);
    out(`✔ posted ${note.kind} ${note.id} (${note.status}) on ${args[1]}`);
    return exit.ok;
  },
  async update({ args, client, flags, json, out, need }) {
    need(3, "the page's slug and the note's id");
    if (flags.message === undefined) throw new UsageError(`give --message\n\n${statusPage.help}`);
    const note = await client().request<Note>(
      "POST",
      `/status-pages/${enc(args[1]!)}/incidents/${enc(args[2]!)}/updates`,
      JSON.stringify({
        message: flags.message,
        ...(flags.status !== undefined && { status: flags.status }),
        ...(flags.impact !== undefined && { impact: flags.impact }),
        ...(flags.title !== undefined && { title: flags.title }),
      }),
    );
    if (flags.json) return json(note);
    out(`✔ ${note.kind} ${note.id} is now ${note.status}`);
    return exit.ok;
  },
  async incidents({ args, client, flags, json, say, out, need }) {
    need(2, "the page's slug");
    const notes = await client().request<Notes>("GET", `/status-pages/${enc(args[1]!)}/incidents`);
    if (flags.json) return json(notes);
    if (notes.length === 0) return say("no incidents or announcements");
    out(
      renderTable(
        ["ID", "KIND", "STATUS", "IMPACT", "POSTED", "TITLE"],
        notes.map((n) => [n.id, n.kind, n.status, n.impact, isoTime(n.createdAt), truncate(n.title, 50)]),
      ),
    );
    return exit.ok;
  },
};

/** `amstaff status-page …`: public status pages as configuration, and the notes they show. */
export const statusPage: Command = {
  help: `amstaff status-page list
amstaff status-page set <page.json>
amstaff status-page delete <slug>
amstaff status-page post <slug> --title <text> --message <text> [options]
amstaff status-page update <slug> <id> --message <text> [--status <status>] [--impact <impact>]
amstaff status-page incidents <slug>

A page file is JSON: {"slug": "acme", "title": "Acme status", "description": "…",
  "logo": {"url": "https://…"} or {"file": "logo.png"} (at most 64 KiB),
  "groups": [{"name": "API", "components": [{"name": "Checkout", "select": ["module:Payments", "tag:checkout"]}]}],
  "showResolvedDays": 7}
It publishes /status/<slug> (and .json), and badges at /badge/<slug>/status.svg and
/badge/<slug>/<component>/uptime.svg?days=30. A page shows only its team's monitors; write tokens
manage their team's pages, operate tokens post on them.

post options:
  --kind <kind>        incident (default), maintenance or announcement
  --impact <impact>    none, minor (default for incidents), major or critical
  --status <status>    incident: investigating (default), identified, monitoring, resolved;
                       maintenance: scheduled (default), in_progress, completed; announcement: active, resolved
  --component <name>   a component it concerns (repeatable)
  --from <date>        maintenance: when it starts (ISO 8601)
  --until <date>       maintenance: when it ends (ISO 8601)`,
  async run(context) {
    const sub = context.args[0];
    const run = sub !== undefined && Object.hasOwn(subcommands, sub) ? subcommands[sub] : undefined;
    if (!run)
      throw new UsageError(`give one of ${Object.keys(subcommands).join(", ")}\n\n${statusPage.help}`);
    return run(context);
  },
};
