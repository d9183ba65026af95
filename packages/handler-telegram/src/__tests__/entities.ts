/**
 * The Bot API's parsing of formatted text, as https://core.telegram.org/bots/api#formatting-options
 * documents it, for the emulator: the text a user sees, or the `can't parse entities` error Telegram
 * answers. Covers what a bot may send: HTML's tags and entities, MarkdownV2's escapes, emphasis, code and
 * links.
 */

/** The text a user sees, or why Telegram refuses the message. */
export type Parsed =
  | { text: string; bold: string[]; links: { label: string; url: string }[] }
  | { error: string };

const htmlTags = new Set([
  "b",
  "strong",
  "i",
  "em",
  "u",
  "ins",
  "s",
  "strike",
  "del",
  "span",
  "tg-spoiler",
  "a",
  "code",
  "pre",
  "blockquote",
  "tg-emoji",
]);
const htmlEntities: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

function decodeEntity(name: string): string | undefined {
  if (name.startsWith("#x")) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
  if (name.startsWith("#")) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
  return htmlEntities[name];
}

/** Parses `parse_mode: "HTML"`: every `<`, `>` and `&` not part of a tag or an entity is refused. */
export function parseHtml(source: string): Parsed {
  let text = "";
  const open: { tag: string; start: number; href?: string }[] = [];
  const bold: string[] = [];
  const links: { label: string; url: string }[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] ?? "";
    const offset = Buffer.byteLength(source.slice(0, i));
    if (c === "&") {
      const m = /^&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/.exec(source.slice(i));
      const decoded = m ? decodeEntity(m[1] ?? "") : undefined;
      if (!m || decoded === undefined)
        return {
          error: `Bad Request: can't parse entities: Unsupported HTML entity at byte offset ${offset}`,
        };
      text += decoded;
      i += m[0].length;
    } else if (c === "<") {
      const m = /^<(\/?)([a-z-]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*>/.exec(source.slice(i));
      if (!m || !htmlTags.has(m[2] ?? ""))
        return {
          error: `Bad Request: can't parse entities: Unsupported start tag "${/^<\/?([^\s>]*)/.exec(source.slice(i))?.[1] ?? ""}" at byte offset ${offset}`,
        };
      const tag = m[2] ?? "";
      if (m[1] === "/") {
        const top = open.pop();
        if (top?.tag !== tag)
          return {
            error: `Bad Request: can't parse entities: Unmatched end tag at byte offset ${offset}, expected "</${top?.tag ?? ""}>", found "</${tag}>"`,
          };
        const inner = text.slice(top.start);
        if (tag === "b" || tag === "strong") bold.push(inner);
        if (tag === "a") links.push({ label: inner, url: top.href ?? "" });
      } else {
        const href = /href="([^"]*)"/.exec(m[3] ?? "")?.[1];
        const decodedHref = href?.replace(/&(lt|gt|amp|quot);/g, (_, n: string) => htmlEntities[n] ?? "");
        open.push({ tag, start: text.length, ...(decodedHref === undefined ? {} : { href: decodedHref }) });
      }
      i += m[0].length;
    } else if (c === ">") {
      return { error: `Bad Request: can't parse entities: Unexpected end tag at byte offset ${offset}` };
    } else {
      text += c;
      i++;
    }
  }
  if (open.length > 0)
    return {
      error: `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${open.at(-1)?.tag}"`,
    };
  return { text, bold, links };
}

const reserved = new Set("_*[]()~`>#+-=|{}.!");

/** Parses `parse_mode: "MarkdownV2"`: a reserved character must be escaped unless it is markup. */
export function parseMarkdownV2(source: string): Parsed {
  let text = "";
  const bold: string[] = [];
  const links: { label: string; url: string }[] = [];
  const open: { mark: string; start: number }[] = [];
  let i = 0;
  const error = (what: string) => ({
    error: `Bad Request: can't parse entities: ${what} at byte offset ${Buffer.byteLength(source.slice(0, i))}`,
  });
  while (i < source.length) {
    const c = source[i] ?? "";
    if (c === "\\") {
      const next = source[i + 1];
      if (next === undefined || next.charCodeAt(0) > 126) return error("Character '\\' is reserved");
      text += next;
      i += 2;
    } else if (c === "*" || c === "_" || c === "~") {
      if (open.at(-1)?.mark === c) {
        const top = open.pop();
        if (c === "*") bold.push(text.slice(top?.start ?? 0));
      } else open.push({ mark: c, start: text.length });
      i++;
    } else if (c === "[") {
      open.push({ mark: "[", start: text.length });
      i++;
    } else if (c === "]" && open.at(-1)?.mark === "[" && source[i + 1] === "(") {
      const top = open.pop();
      let url = "";
      let j = i + 2;
      while (j < source.length && source[j] !== ")") {
        if (source[j] === "\\") j++;
        url += source[j] ?? "";
        j++;
      }
      if (j >= source.length) return error("Can't find end of a URL");
      links.push({ label: text.slice(top?.start ?? 0), url });
      i = j + 1;
    } else if (reserved.has(c)) {
      return {
        error: `Bad Request: can't parse entities: Character '${c}' is reserved and must be escaped with the preceding '\\'`,
      };
    } else {
      text += c;
      i++;
    }
  }
  const unclosed = open.at(-1);
  if (unclosed) return error(`Can't find end of the entity starting`);
  return { text, bold, links };
}
