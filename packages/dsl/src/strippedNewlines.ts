// A `//` that starts a comment: not the `//` of a URL (`https://`) or inside a quoted `"//host"`.
const lineComment = /(^|[^:"'`\\/])\/\/[^/]/;
const importThenCode = /\bimport\b[^;]*;\s*\S/;

/**
 * Whether a module file looks like it lost its line breaks in transit, which is what `curl -d @file`
 * does (it strips CR and LF). A real module file spans several lines; a one-line file with a `//`
 * comment, or a long one with imports followed by code, is almost certainly mangled.
 */
export function strippedNewlines(source: string): boolean {
  if (/[\r\n]/.test(source)) return false;
  return lineComment.test(source) || (source.length > 200 && importThenCode.test(source));
}
