import {
  AmstaffError,
  type HandlerPlugin,
  type PluginDescriptor,
  type PluginHost,
  type PluginSpec,
  parsePluginOptions,
  resolveSecrets,
  type SampleHandler,
  type Sampler,
  type SamplerCreateContext,
  type SamplerPlugin,
  type SecretSource,
} from "@amstaff/core";
import { emailPlugin } from "@amstaff/handler-email";
import { opsgeniePlugin } from "@amstaff/handler-opsgenie";
import { slackPlugin } from "@amstaff/handler-slack";
import { webhookPlugin } from "@amstaff/handler-webhook";
import { graphitePlugin } from "@amstaff/sampler-graphite";
import { httpPlugin } from "@amstaff/sampler-http";
import { sqlPlugin } from "@amstaff/sampler-sql";

/**
 * The plugins every server has, whatever else is installed beside it: Amstaff's own samplers and
 * handlers. Their heavy clients (database drivers, SMTP, Slack's SDK) load on first use.
 */
export const builtinPlugins: readonly PluginDescriptor[] = [
  httpPlugin,
  sqlPlugin,
  graphitePlugin,
  webhookPlugin,
  slackPlugin,
  emailPlugin,
  opsgeniePlugin,
];

/**
 * The samplers and handlers a node can run, by id. Module files may only use these; a module that
 * names another is refused at push time.
 */
export class PluginRegistry {
  readonly #byId = new Map<string, PluginDescriptor>();
  readonly #secrets: SecretSource;
  readonly #host: PluginHost | undefined;

  /** `host`: what samplers may reach on this node, handed to each through its create context. */
  constructor(
    plugins: readonly PluginDescriptor[] = builtinPlugins,
    secrets: SecretSource = (name) => process.env[name],
    host?: PluginHost,
  ) {
    for (const plugin of plugins) {
      if (this.#byId.has(plugin.id)) {
        throw new AmstaffError("AMS_ERR_INTERNAL", `Two installed plugins claim the id "${plugin.id}".`);
      }
      this.#byId.set(plugin.id, plugin);
    }
    this.#secrets = secrets;
    this.#host = host;
  }

  /** Every installed plugin. */
  list(): PluginDescriptor[] {
    return [...this.#byId.values()];
  }

  #get<K extends PluginDescriptor["kind"]>(
    spec: PluginSpec,
    kind: K,
  ): Extract<PluginDescriptor, { kind: K }> {
    const plugin = this.#byId.get(spec.plugin);
    if (!plugin || plugin.kind !== kind) {
      throw new AmstaffError(
        "AMS_ERR_PLUGIN_UNKNOWN",
        `No ${kind} plugin "${spec.plugin}" is installed on this node.`,
      );
    }
    return plugin as Extract<PluginDescriptor, { kind: K }>;
  }

  /** Builds a ready sampler from a module's spec, resolving its secrets from this node's environment. */
  createSampler(spec: PluginSpec, context: SamplerCreateContext): Sampler {
    const plugin: SamplerPlugin = this.#get(spec, "sampler");
    return plugin.create(resolveSecrets(parsePluginOptions(plugin, spec.options), this.#secrets), {
      ...context,
      host: this.#host,
    });
  }

  /** Builds a ready handler from a module's spec, resolving its secrets from this node's environment. */
  createHandler(spec: PluginSpec): SampleHandler {
    const plugin: HandlerPlugin = this.#get(spec, "handler");
    return plugin.create(resolveSecrets(parsePluginOptions(plugin, spec.options), this.#secrets));
  }
}
