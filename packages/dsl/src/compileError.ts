/**
 * What kind of problem a {@link CompileError} reports:
 * - `syntax`: the file does not parse as TypeScript.
 * - `newlines`: the file arrived with its line breaks stripped (`curl -d` instead of `--data-binary`).
 * - `import`: an import of something other than `@amstaff/dsl` or an installed plugin package.
 * - `export`: the file does not `export default amstaff(...)`.
 * - `type`: the file does not type-check against the DSL's and the plugins' declarations.
 * - `evaluation`: evaluating the file threw.
 * - `memory`: evaluating the file needed more memory than allowed.
 * - `timeout`: evaluating the file used more CPU time than its limit, or took longer than the wall-clock backstop.
 * - `output`: what the file evaluates to is too large or not plain data.
 * - `validation`: the module, a monitor, or a plugin's options are invalid.
 */
export type CompileErrorCode =
  | "syntax"
  | "newlines"
  | "import"
  | "export"
  | "type"
  | "evaluation"
  | "memory"
  | "timeout"
  | "output"
  | "validation";

/** One problem found in a module file, located in the original TypeScript source. */
export interface CompileError {
  /** The file name given in the compile options. */
  file: string;
  /** 1-based line in the original source. */
  line: number;
  /** 1-based column in the original source. */
  column: number;
  /** What is wrong and, where possible, what to do about it. */
  message: string;
  /** The kind of problem. */
  code: CompileErrorCode;
  /** The text of the source line the error points at, when there is one. */
  sourceLine?: string;
}

/**
 * Formats errors the way compilers do, one block per error:
 * `file:line:col - error: message`, then the source line and a caret under the column.
 *
 * @example
 * ```ts
 * const result = await compileModule(source, { filename: "user-service.ts", plugins });
 * if (!result.ok) console.error(formatCompileErrors(result.errors));
 * ```
 */
export function formatCompileErrors(errors: readonly CompileError[]): string {
  return errors
    .map((error) => {
      const head = `${error.file}:${error.line}:${error.column} - error: ${error.message}`;
      if (error.sourceLine === undefined) return head;
      const { text, caret } = sourceWindow(error.sourceLine, error.column - 1);
      // Keep tabs in the caret's indent so it lines up under the column whatever the tab width.
      const indent = text.slice(0, caret).replace(/[^\t]/g, " ");
      return `${head}\n  ${text}\n  ${indent}^`;
    })
    .join("\n");
}

/** The most characters of a source line {@link formatCompileErrors} shows. */
const maxSourceLineWidth = 120;

/**
 * A window of at most {@link maxSourceLineWidth} characters of `line` around `index` (a whole file sent
 * on one line must not flood a terminal), with `…` where it was cut, and the caret's index in it.
 */
function sourceWindow(line: string, index: number): { text: string; caret: number } {
  const at = Math.min(Math.max(0, index), line.length);
  if (line.length <= maxSourceLineWidth) return { text: line, caret: at };
  const width = maxSourceLineWidth - 2;
  const start = Math.max(0, Math.min(at - Math.floor(width / 3), line.length - width));
  const end = Math.min(line.length, start + width);
  const prefix = start > 0 ? "…" : "";
  const suffix = end < line.length ? "…" : "";
  return { text: `${prefix}${line.slice(start, end)}${suffix}`, caret: at - start + prefix.length };
}
