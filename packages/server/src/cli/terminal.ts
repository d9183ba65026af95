/** Writes a line to stdout: what both command lines print. */
export function printLine(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Writes `<program>: <message>` to stderr: how both command lines report what stopped them. */
export function printFailure(program: string, message: string): void {
  process.stderr.write(`${program}: ${message}\n`);
}
