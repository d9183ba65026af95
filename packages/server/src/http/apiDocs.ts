import type { ApiApp } from "./deps.js";

/** The OpenAPI 3.1 document the API serves. */
export type OpenApiDocument = ReturnType<ApiApp["getOpenAPI31Document"]>;

const html = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

type Operation = {
  summary?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; description?: string }[];
  requestBody?: { description?: string; content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string }>;
  security?: unknown[];
};

const methods = ["get", "post", "put", "delete"] as const;

function schemaText(schema: unknown): string {
  return html(JSON.stringify(schema, null, 2) ?? "");
}

function operationHtml(method: string, path: string, op: Operation): string {
  const open = Array.isArray(op.security) && op.security.length === 0;
  const params = (op.parameters ?? [])
    .map(
      (p) =>
        `<li><code>${html(p.name)}</code> (${html(p.in)}${p.required ? ", required" : ""})${p.description ? `: ${html(p.description)}` : ""}</li>`,
    )
    .join("");
  const body = Object.entries(op.requestBody?.content ?? {})
    .map(([type, { schema }]) => `<p>Body <code>${html(type)}</code></p><pre>${schemaText(schema)}</pre>`)
    .join("");
  const responses = Object.entries(op.responses ?? {})
    .map(([status, r]) => `<li><code>${html(status)}</code> ${html(r.description ?? "")}</li>`)
    .join("");
  return `<details id="${html(`${method}-${path}`)}"><summary><code class="m ${method}">${method.toUpperCase()}</code> <code>${html(path)}</code> ${html(op.summary ?? "")}${open ? " <em>(no token)</em>" : ""}</summary>${params ? `<p>Parameters</p><ul>${params}</ul>` : ""}${body}<p>Responses</p><ul>${responses}</ul></details>`;
}

/** The stylesheet of {@link renderApiDocs}' page, served beside it (the page's CSP forbids inline styles). */
export const apiDocsCss = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{margin-top:2rem;border-bottom:1px solid #ddd}details{margin:.3rem 0;padding:.3rem .6rem;border:1px solid #e3e3e3;border-radius:4px}
summary{cursor:pointer}pre{background:#f6f6f6;padding:.6rem;overflow:auto;font-size:13px}
.m{display:inline-block;min-width:4rem;font-weight:bold}.get{color:#1b6e2d}.post{color:#1d4f91}.put{color:#8a5a00}.delete{color:#a11}`;

/**
 * The API's documentation as one HTML page, rendered by the server from its own OpenAPI document: no
 * script, no CDN, nothing but the contract. Operations are grouped by tag; each opens to its parameters,
 * body schema and answers.
 */
export function renderApiDocs(document: OpenApiDocument): string {
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of methods) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? "other";
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(method, path, op)]);
    }
  }
  const sections = [...byTag].map(([tag, ops]) => `<h2>${html(tag)}</h2>${ops.join("")}`).join("");
  const { title, version } = document.info;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${html(title)} API</title><link rel="stylesheet" href="/docs/docs.css"></head><body><h1>${html(title)} API <small>${html(version)}</small></h1><p>Send <code>Authorization: Bearer &lt;token&gt;</code> unless marked “no token”. Errors are <code>{ "error": { "code": "AMS_ERR_…", "message": "…" } }</code>. The machine-readable contract: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>${sections}</body></html>`;
}
