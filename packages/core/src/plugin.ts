import type { z } from "zod";
import { AmstaffError } from "./errors.js";
import type { SampleHandler } from "./handler.js";
import type { Integration } from "./inbound.js";
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

/** What {@link FileAccess.resolve} answers: the real path a plugin may open, or why it may not. */
export type FileResolution = { ok: true; path: string } | { ok: false; reason: string };

/** The files a node lets plugins open. */
export interface FileAccess {
  /**
   * Resolves a path (relative to the server's working directory) to its real path, symlinks followed,
   * if plugins may open it on this node; else says why not and how to allow it. Plugins open the real
   * path it returns, never the one they were given.
   */
  resolve(path: string): FileResolution;
}

/**
 * What the node running a plugin lets it reach. A server passes one to the compiler (for
 * {@link SamplerPlugin.check}) and to samplers (through {@link SamplerCreateContext}); a library user
 * calling a sampler directly passes none, and the sampler is not restricted.
 */
export interface PluginHost {
  /** The files plugins may open. */
  files: FileAccess;
  /**
   * The committed heartbeat pings, for samplers that read them (`@amstaff/sampler-heartbeat`).
   * @default absent (a host that records no pings)
   */
  heartbeats?: HeartbeatView | undefined;
}

/** The committed pings of one monitor, as a heartbeat sampler reads them (milliseconds since the epoch). */
export interface HeartbeatRecord {
  /** When the last success ping was committed. */
  lastSuccessAt?: number | undefined;
  /** When the last start ping was committed. */
  lastStartAt?: number | undefined;
  /** When the last fail ping (or non-zero exit code) was committed. */
  lastFailAt?: number | undefined;
  /** The exit code of the last ping that gave one. */
  exitCode?: number | undefined;
  /** The body of the last ping that had one. */
  message?: string | undefined;
  /** The run time of the last run: from its start ping to its success ping. */
  runMs?: number | undefined;
}

/** Read access to the committed heartbeat pings, by monitor. */
export interface HeartbeatView {
  /** The pings committed for a monitor; undefined before its first ping. */
  get(module: string, monitor: string): HeartbeatRecord | undefined;
}

/** What a sampler plugin's `create` receives besides its options. */
export interface SamplerCreateContext {
  /** The monitor's name. */
  name: string;
  /** The monitor's tags. */
  tags: readonly string[];
  /**
   * The monitor's module, for a sampler that reads the host's state of its monitor (heartbeat pings).
   * @default undefined (the sampler is used as a library)
   */
  module?: string | undefined;
  /**
   * What the node lets the sampler reach; a sampler that opens files checks them with it again when it
   * opens them (a symlink may have changed since the module was pushed).
   * @default undefined (not restricted: the sampler is used as a library)
   */
  host?: PluginHost | undefined;
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
  /**
   * Problems with these options on this node, beyond what the schema can see: a file outside what the
   * host allows, say. The server calls it when a module is pushed, with options validated by `options`
   * (secrets still `secret("NAME")` references, so a value hidden in a secret is checked at run time
   * only), and refuses the module at the builder's call with each problem. Must not throw or do slow I/O.
   * @default no check
   */
  check?(options: z.output<Schema>, host: PluginHost): string[];
  /**
   * Routes the plugin serves under `/integrations/<path>/`, authenticated its own way (Slack's signed
   * Acknowledge clicks, a heartbeat's ping), with server-side settings of their own.
   * @default none
   */
  integration?: Integration | undefined;
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
  /**
   * Notifications its handlers hear beyond status changes unless a module says otherwise (a pager
   * that stops paging on an acknowledgement). Recorded in each handler spec when a module is compiled.
   * @default {}
   */
  notifyOn?: { acknowledged?: boolean | undefined } | undefined;
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
