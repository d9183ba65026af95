/**
 * What kind of problem a {@link CompileError} reports:
 * - `syntax`: the file does not parse as TypeScript.
 * - `newlines`: the file arrived with its line breaks stripped (`curl -d` instead of `--data-binary`).
 * - `import`: an import of something other than `@amstaff/dsl` or an installed plugin package.
 * - `export`: the file does not `export default amstaff(...)`.
 * - `evaluation`: evaluating the file threw.
 * - `timeout`: evaluating the file took longer than the time limit.
 * - `output`: what the file evaluates to is too large or not plain data.
 * - `validation`: the module, a monitor, or a plugin's options are invalid.
 */
export type CompileErrorCode =
  | "syntax"
  | "newlines"
  | "import"
  | "export"
  | "evaluation"
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
      // Keep tabs in the caret's indent so it lines up under the column whatever the tab width.
      const indent = error.sourceLine.slice(0, Math.max(0, error.column - 1)).replace(/[^\t]/g, " ");
      return `${head}\n  ${error.sourceLine}\n  ${indent}^`;
    })
    .join("\n");
}
