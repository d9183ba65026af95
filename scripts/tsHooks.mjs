// Lets Node (>= 23.6, type stripping on by default) run the workspace's TypeScript sources directly: the
// sources import "./x.js" (NodeNext style) while only "./x.ts" exists.
import { registerHooks } from "node:module";

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (specifier.startsWith(".") && specifier.endsWith(".js")) {
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
      }
      throw error;
    }
  },
});
