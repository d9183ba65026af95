import { SourceMap } from "node:module";
import { bundleFilename, inputSourceName } from "./bundleModule.js";

/** A 1-based position in the original source. */
export interface SourcePosition {
  line: number;
  column: number;
}

const framePattern = new RegExp(`${bundleFilename.replace(/\./g, "\\.")}:(\\d+):(\\d+)`, "g");

/** Maps positions in the module bundle back to the original TypeScript source. */
export class SourceLocator {
  readonly #map: SourceMap;

  constructor(mapJson: string) {
    this.#map = new SourceMap(JSON.parse(mapJson));
  }

  /** The first frame of a V8 stack trace that lies in the original source (not in the prelude or a virtual module). */
  fromStack(stack: string): SourcePosition | undefined {
    for (const match of stack.matchAll(framePattern)) {
      const origin = this.#map.findOrigin(Number(match[1]), Number(match[2]));
      if ("fileName" in origin && origin.fileName.endsWith(inputSourceName)) {
        return { line: origin.lineNumber, column: origin.columnNumber };
      }
    }
    return undefined;
  }
}
