import {
  AmstaffError,
  type ModuleDefinition,
  moduleDefinitionSchema,
  type PluginDescriptor,
} from "@amstaff/core";
import type { AmstaffModule } from "./moduleTypes.js";
import { validateModule } from "./validateModule.js";

/** Turns what `amstaff()` returned into a validated definition, with readable errors. */
export function toDefinition(
  module: AmstaffModule | ModuleDefinition,
  plugins: readonly PluginDescriptor[],
): ModuleDefinition {
  const problems: string[] = [];
  const definition = validateModule(
    { ok: true, module, stack: "", monitorStacks: [], calls: [] },
    plugins,
    { fromStack: () => undefined },
    (_, message) => problems.push(message),
    { anyPlugin: true },
  );
  if (!definition) {
    throw new AmstaffError(
      "AMS_ERR_MODULE_INVALID",
      `The module does not compile:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
  return moduleDefinitionSchema.parse(definition);
}
