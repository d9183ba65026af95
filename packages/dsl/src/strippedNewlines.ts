// A `//` that starts a comment: not the `//` of a URL (`https://`) or inside a quoted `"//host"`.
const lineComment = /(^|[^:"'`\\/])\/\/[^/]/;
const importWord = /\bimport\b/;
const codeAfterSemicolon = /;\s*\S/y;

/**
 * Whether an `import` is followed, after its first `;`, by more code: what `/\bimport\b[^;]*;\s*\S/`
 * asked, without rescanning to the end of the file from every `import` (quadratic on a one-line file
 * of 1 MB). The first `import` decides: a later one reaches the same `;`, or none.
 */
function importThenCode(source: string): boolean {
  const start = importWord.exec(source);
  if (start === null) return false;
  const semicolon = source.indexOf(";", start.index);
  if (semicolon < 0) return false;
  codeAfterSemicolon.lastIndex = semicolon;
  return codeAfterSemicolon.test(source);
}

/**
 * Whether a module file looks like it lost its line breaks in transit, which is what `curl -d @file`
 * does (it strips CR and LF). A real module file spans several lines; a one-line file with a `//`
 * comment, or a long one with imports followed by code, is almost certainly mangled.
 */
export function strippedNewlines(source: string): boolean {
  if (/[\r\n]/.test(source)) return false;
  return lineComment.test(source) || (source.length > 200 && importThenCode(source));
}
