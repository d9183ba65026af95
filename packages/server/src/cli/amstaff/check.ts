import { version } from "../../version.js";
import { checkFiles, checkRoot, dslFingerprint, warmCheckCompiler } from "./checkCompiler.js";
import type { CheckAnswer } from "./checkDaemon.js";
import { type Command, type CommandContext, exit, readSource } from "./command.js";

/** `amstaff check <file...>`: compiles module files offline, with the server's errors; exits 1 on any. */
export const check: Command = {
  help: "amstaff check <file...> [--no-daemon]\n\nCompiles each file as the server would: syntax, imports, types and options; exits 1 on any error.\nThe first check leaves a daemon in the background that keeps the compiler warm for the next ones (it exits\nafter 10 minutes unused; never started when CI is set, with --no-daemon or AMSTAFF_CHECK_DAEMON=0).",
  async run(context) {
    context.need(1, "a file to check");
    const files = context.args.map((path) => ({ path, source: readSource(path) }));
    const { serverPackageDir, pluginFingerprint } = await import("../../plugins/discovery.js");
    const resolveFrom = checkRoot(serverPackageDir);
    // A warm daemon answers in a fraction of the cold compile (TypeScript parsing the DSL's and the
    // plugins' declarations); CI runs check once, so it never starts one there.
    const daemon =
      context.flags["no-daemon"] !== true && process.env.AMSTAFF_CHECK_DAEMON !== "0" && !process.env.CI;
    let socket: string | undefined;
    if (daemon) {
      const { askCheckDaemon, checkDaemonSocket } = await import("./checkDaemon.js");
      socket = checkDaemonSocket([
        version,
        process.execPath,
        resolveFrom,
        ...pluginFingerprint([process.cwd(), serverPackageDir]),
        dslFingerprint(resolveFrom),
      ]);
      const answer = await askCheckDaemon(socket, { files });
      if (answer !== undefined) return printCheck(context, answer);
    }
    const answer = await checkFiles(files, resolveFrom);
    const { releaseCompiler } = await import("@amstaff/dsl/compiler");
    await releaseCompiler();
    if (socket !== undefined) {
      const { spawnCheckDaemon } = await import("./checkDaemon.js");
      spawnCheckDaemon(process.argv[1]!, socket);
    }
    return printCheck(context, answer);
  },
};

/** `amstaff __check-daemon <socket>`: started by `check` in the background (checkDaemon.ts); not a command for people. */
export const checkDaemon: Command = {
  help: "amstaff __check-daemon <socket>\n\nServes checks on the socket until idle; amstaff check starts it.",
  async run({ need, args }) {
    need(1, "a socket");
    const { serveChecks } = await import("./checkDaemon.js");
    const { serverPackageDir } = await import("../../plugins/discovery.js");
    const resolveFrom = checkRoot(serverPackageDir);
    // Warm at once, so even the next check is fast.
    const warmed = warmCheckCompiler(resolveFrom).catch(() => undefined);
    await serveChecks(args[0]!, (request) => warmed.then(() => checkFiles(request.files, resolveFrom)));
    const { releaseCompiler } = await import("@amstaff/dsl/compiler");
    await releaseCompiler();
    return exit.ok;
  },
};

/** Prints a check's answer and ends with its exit code. */
function printCheck({ flags, json, out }: CommandContext, answer: CheckAnswer): number {
  if (flags.json) json(answer.results);
  else for (const line of answer.lines) out(line);
  return answer.failed ? exit.refused : exit.ok;
}
