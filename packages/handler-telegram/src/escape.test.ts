import { describe, expect, it } from "vitest";
import { parseHtml, parseMarkdownV2 } from "./__tests__/entities.js";
import { escapeHtml, escapeMarkdownV2, markupFor } from "./escape.js";

const hostile = [
  "<b>bold</b> & <script>alert(1)</script> &amp; &lt;",
  "_*[]()~`>#+-=|{}.!",
  "C:\\path\\to\\file.txt \\* not bold \\",
  "price: 5 > 3 < 4 && [link](http://evil.example/?a=1&b=2)",
  "emoji 🚨 and ünïcödé",
];

describe("escaping for the Bot API's parse modes", () => {
  it("HTML: Telegram reads every hostile text back verbatim", () => {
    for (const text of hostile) expect(parseHtml(escapeHtml(text))).toEqual({ text, bold: [], links: [] });
  });

  it("MarkdownV2: all 18 special characters and the backslash are escaped; Telegram reads the text back", () => {
    expect(escapeMarkdownV2("_*[]()~`>#+-=|{}.!\\")).toBe(
      "\\_\\*\\[\\]\\(\\)\\~\\`\\>\\#\\+\\-\\=\\|\\{\\}\\.\\!\\\\",
    );
    for (const text of hostile)
      expect(parseMarkdownV2(escapeMarkdownV2(text))).toEqual({ text, bold: [], links: [] });
  });

  it("markup wraps escaped text: bold and links survive hostile labels and URLs", () => {
    const label = "a_b*c <d> (e)";
    const url = "https://amstaff.example.com/m/(1)?a=1&b=2";
    for (const [mode, parse] of [
      ["HTML", parseHtml],
      ["MarkdownV2", parseMarkdownV2],
    ] as const) {
      const markup = markupFor(mode);
      expect(parse(`${markup.bold(label)} ${markup.link(label, url)}`)).toEqual({
        text: `${label} ${label}`,
        bold: [label],
        links: [{ label, url }],
      });
    }
  });

  it("an unescaped text is what Telegram refuses (the emulator is strict, like Telegram)", () => {
    expect(parseMarkdownV2("HTTP 500.")).toMatchObject({
      error: expect.stringContaining("Character '.' is reserved"),
    });
    expect(parseHtml("5 < 6")).toMatchObject({ error: expect.stringContaining("can't parse entities") });
  });
});
