import {
  describeError,
  isAmstaffError,
  type PluginDescriptor,
  type PluginHost,
  type PluginSpec,
} from "@amstaff/core";
import { isRecord } from "./isRecord.js";

/** A plugin builder call of the module file, run and checked: what its placeholder stands for. */
export interface ResolvedCall {
  kind: PluginDescriptor["kind"];
  spec: PluginSpec;
}

/** What stands in for a spec already reported as invalid, so it is not reported again. */
export const failedSpec: PluginSpec = { plugin: "(invalid)", options: null };

/** The sandbox's stand-in for the result of a plugin builder call: the call's index. */
export function isPlaceholder(value: unknown): value is { $amstaffCall: number } {
  return isRecord(value) && Object.keys(value).length === 1 && typeof value.$amstaffCall === "number";
}

/** A plugin options error as one line: each zod issue with its path. */
export function optionIssues(error: unknown): string {
  if (isAmstaffError(error, "AMS_ERR_PLUGIN_OPTIONS") && Array.isArray(error.details?.issues)) {
    return (error.details.issues as { path: string[]; message: string }[])
      .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
      .join("; ");
  }
  return describeError(error);
}

/** What a plugin's `check` hook finds wrong with its options on this node; a hook that throws is a problem too. */
export function pluginProblems(
  descriptor: PluginDescriptor,
  options: unknown,
  host: PluginHost | undefined,
): string[] {
  if (host === undefined || descriptor.check === undefined) return [];
  try {
    return descriptor.check(options, host);
  } catch (cause) {
    return [
      `${descriptor.id} could not check its options (${describeError(cause)}); report this to the plugin's authors`,
    ];
  }
}
