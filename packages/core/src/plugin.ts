import type { z } from "zod";
import { AmstaffError } from "./errors.js";
import type { SampleHandler } from "./handler.js";
import type { Sampler } from "./sampler.js";
import type { Resolved } from "./secret.js";

/**
 * What a module file holds where a sampler or handler goes: the plugin's id and its options, as plain
 * data. Secrets inside `options` are `secret("NAME")` references, resolved only on the node that runs it.
 */
export interface PluginSpec<Id extends string = string, Options = unknown> {
  /** The id of the plugin that implements it, by convention its npm package name. */
  plugin: Id;
  /** The plugin's options, validated by its schema. */
  options: Options;
}

/** A builder a module file calls, like `httpGet({...})`: it only assembles a {@link PluginSpec}. */
// biome-ignore lint/suspicious/noExplicitAny: builders take whatever arguments their plugin documents.
export type PluginBuilder = (...args: any[]) => PluginSpec;

/** What a sampler plugin's `create` receives besides its options. */
export interface SamplerCreateContext {
  /** The monitor's name. */
  name: string;
  /** The monitor's tags. */
  tags: readonly string[];
}

interface PluginDescriptorBase<Schema extends z.ZodType> {
  /** Unique id, by convention the npm package name (`"@amstaff/sampler-http"`, `"amstaff-sampler-redis"`). */
  id: string;
  /** The package module files import the builders from. */
  package: string;
  /** One line shown in `GET /plugins` and the CLI. */
  description: string;
  /** The options schema: every option validated, with defaults applied. */
  options: Schema;
  /** The functions module files may call, by exported name (`{ httpGet, httpPost }`). */
  builders: Record<string, PluginBuilder>;
}

/** A package's offer of a sampler to Amstaff servers. */
export interface SamplerPlugin<Schema extends z.ZodType = z.ZodType> extends PluginDescriptorBase<Schema> {
  kind: "sampler";
  /** Creates a ready sampler from validated options whose secrets have been resolved. */
  create(options: Resolved<z.output<Schema>>, context: SamplerCreateContext): Sampler;
}

/** A package's offer of a handler to Amstaff servers. */
export interface HandlerPlugin<Schema extends z.ZodType = z.ZodType> extends PluginDescriptorBase<Schema> {
  kind: "handler";
  /** Creates a ready handler from validated options whose secrets have been resolved. */
  create(options: Resolved<z.output<Schema>>): SampleHandler;
}

/** A sampler or handler plugin. */
export type PluginDescriptor = SamplerPlugin | HandlerPlugin;

/**
 * Declares a sampler plugin; the identity function, there for type inference.
 *
 * @example
 * ```ts
 * export const redisPlugin = defineSamplerPlugin({
 *   kind: "sampler", id: "amstaff-sampler-redis", package: "amstaff-sampler-redis",
 *   description: "PING a Redis server", options: redisOptionsSchema, builders: { redisPing },
 *   create: (options, { name, tags }) => redisSampler({ ...options, name, tags }),
 * });
 * ```
 */
export function defineSamplerPlugin<Schema extends z.ZodType>(
  plugin: SamplerPlugin<Schema>,
): SamplerPlugin<Schema> {
  return plugin;
}

/** Declares a handler plugin; the identity function, there for type inference. */
export function defineHandlerPlugin<Schema extends z.ZodType>(
  plugin: HandlerPlugin<Schema>,
): HandlerPlugin<Schema> {
  return plugin;
}

/** Formats zod issues as `path: message` lines a user can act on. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join(".");
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join("; ");
}

/**
 * Validates options against a plugin's schema and applies its defaults.
 * @throws AmstaffError `AMS_ERR_PLUGIN_OPTIONS` listing every invalid option.
 */
export function parsePluginOptions<Schema extends z.ZodType>(
  plugin: { id: string; options: Schema },
  options: unknown,
): z.output<Schema> {
  const parsed = plugin.options.safeParse(options);
  if (!parsed.success) {
    throw new AmstaffError(
      "AMS_ERR_PLUGIN_OPTIONS",
      `Invalid options for ${plugin.id}: ${formatIssues(parsed.error.issues)}`,
      {
        details: {
          plugin: plugin.id,
          issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
        },
      },
    );
  }
  return parsed.data;
}
