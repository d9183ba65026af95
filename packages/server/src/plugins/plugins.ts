import { isDeepStrictEqual } from "node:util";
import {
  AmstaffError,
  type HandlerPlugin,
  type PluginDescriptor,
  type PluginHost,
  type PluginSpec,
  type ProbeContext,
  parsePluginOptions,
  type SampleHandler,
  type Sampler,
  type SamplerCreateContext,
  type SamplerPlugin,
  type SecretAccess,
  type SecretRequester,
} from "@amstaff/core";
import { discordPlugin } from "@amstaff/handler-discord";
import { emailPlugin } from "@amstaff/handler-email";
import { ntfyPlugin } from "@amstaff/handler-ntfy";
import { opsgeniePlugin } from "@amstaff/handler-opsgenie";
import { pagerdutyPlugin } from "@amstaff/handler-pagerduty";
import { slackPlugin } from "@amstaff/handler-slack";
import { teamsPlugin } from "@amstaff/handler-teams";
import { telegramPlugin } from "@amstaff/handler-telegram";
import { webhookPlugin } from "@amstaff/handler-webhook";
import { dnsPlugin } from "@amstaff/sampler-dns";
import { graphitePlugin } from "@amstaff/sampler-graphite";
import { grpcPlugin } from "@amstaff/sampler-grpc";
import { heartbeatPlugin } from "@amstaff/sampler-heartbeat";
import { httpPlugin } from "@amstaff/sampler-http";
import { icmpPlugin } from "@amstaff/sampler-icmp";
import { sqlPlugin } from "@amstaff/sampler-sql";
import { tcpPlugin } from "@amstaff/sampler-tcp";
import { websocketPlugin } from "@amstaff/sampler-websocket";
import type { z } from "zod";
import { SecretBinding } from "../access/secretBinding.js";
import { SecretStore } from "../access/secretStore.js";

/**
 * The plugins every server has, whatever else is installed beside it: Amstaff's own samplers and
 * handlers. Their heavy clients (database drivers, SMTP, Slack's SDK) load on first use.
 */
export const builtinPlugins: readonly PluginDescriptor[] = [
  httpPlugin,
  sqlPlugin,
  graphitePlugin,
  tcpPlugin,
  dnsPlugin,
  websocketPlugin,
  grpcPlugin,
  icmpPlugin,
  heartbeatPlugin,
  webhookPlugin,
  slackPlugin,
  emailPlugin,
  opsgeniePlugin,
  pagerdutyPlugin,
  ntfyPlugin,
  discordPlugin,
  teamsPlugin,
  telegramPlugin,
];

/** Where a {@link PluginRegistry} resolves secrets: a {@link SecretStore}, or a test's own. */
export interface SecretResolver {
  /** The value of a secret for a module, or why not (never the value). */
  access(name: string, requester: SecretRequester): SecretAccess;
}

/**
 * The samplers and handlers a node can run, by id. Module files may only use these; a module that
 * names another is refused at push time. Secrets are resolved through the secret store for the module
 * that uses them, at every probe and delivery: a grant revoked or a secret rotated after the push
 * takes effect at the next one.
 */
export class PluginRegistry {
  readonly #byId = new Map<string, PluginDescriptor>();
  readonly #secrets: SecretResolver;
  readonly #host: PluginHost | undefined;

  /**
   * @param secrets where secrets come from; by default a store of this process' `AMSTAFF_SECRET_*` variables with no grants.
   * @param host what samplers may reach on this node, handed to each through its create context.
   */
  constructor(
    plugins: readonly PluginDescriptor[] = builtinPlugins,
    secrets?: SecretResolver,
    host?: PluginHost,
  ) {
    for (const plugin of plugins) {
      if (this.#byId.has(plugin.id)) {
        throw new AmstaffError("AMS_ERR_INTERNAL", `Two installed plugins claim the id "${plugin.id}".`);
      }
      this.#byId.set(plugin.id, plugin);
    }
    this.#secrets = secrets ?? new SecretStore();
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

  /**
   * Builds a ready sampler from a module's spec. Its secrets are resolved for `requester` before every
   * probe; a probe whose secret is not granted (any more) fails with `AMS_ERR_SECRET_NOT_GRANTED` or
   * `AMS_ERR_SECRET_MISSING` naming the secret.
   * @throws AmstaffError `AMS_ERR_PLUGIN_UNKNOWN` or `AMS_ERR_PLUGIN_OPTIONS`.
   */
  createSampler(spec: PluginSpec, context: SamplerCreateContext, requester: SecretRequester): Sampler {
    const plugin: SamplerPlugin = this.#get(spec, "sampler");
    const options = checkedOptions(plugin, spec);
    const create = { module: requester.module, ...context, host: this.#host };
    const binding = new SecretBinding(options, requester, this.#secrets, (resolved) =>
      plugin.create(resolved, create),
    );
    if (binding.names.length === 0) return plugin.create(options, create);
    return {
      name: context.name,
      tags: context.tags,
      probe: (probeContext?: ProbeContext) => binding.use((sampler) => sampler.probe(probeContext)),
      dispose: () => binding.dispose(),
    };
  }

  /**
   * Builds a ready handler from a module's spec. Its secrets are resolved for `requester` now and
   * before every delivery, with the same failures as {@link createSampler}.
   * @throws AmstaffError `AMS_ERR_PLUGIN_UNKNOWN`, `AMS_ERR_PLUGIN_OPTIONS` or a secret's.
   */
  createHandler(spec: PluginSpec, requester: SecretRequester): SampleHandler {
    const plugin: HandlerPlugin = this.#get(spec, "handler");
    const options = checkedOptions(plugin, spec);
    const binding = new SecretBinding(options, requester, this.#secrets, (resolved) =>
      plugin.create(resolved),
    );
    if (binding.names.length === 0) return plugin.create(options);
    const { name } = binding.current();
    return {
      name,
      notify: (transition, notifyContext) =>
        binding.use((handler) => handler.notify(transition, notifyContext)),
      dispose: () => binding.dispose(),
    };
  }
}

/**
 * A spec's options checked against its plugin's schema. A module's specs were parsed when it was pushed
 * (`validateModule`), so their options usually come back the same: those are kept rather than the
 * parser's copy, which a sampler would hold beside the definition's for as long as its monitor runs.
 * @throws AmstaffError `AMS_ERR_PLUGIN_OPTIONS`.
 */
function checkedOptions<Schema extends z.ZodType>(
  plugin: { id: string; options: Schema },
  spec: PluginSpec,
): z.output<Schema> {
  const parsed = parsePluginOptions(plugin, spec.options);
  return isDeepStrictEqual(parsed, spec.options) ? (spec.options as z.output<Schema>) : parsed;
}
