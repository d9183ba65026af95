import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { type AmstaffError, isAmstaffError } from "../errors.js";
import type { NotifyContext, SampleHandler } from "../handler.js";
import type { HandlerPlugin } from "../plugin.js";
import { parsePluginOptions } from "../plugin.js";
import { resolveSecrets, type SecretRef } from "../secret.js";
import { isFailing } from "../status.js";
import type { Transition } from "../transition.js";
import {
  conformanceSecret,
  describeDescriptor,
  expectNoSecret,
  type InvalidOptionsCase,
  jsonRoundTrip,
} from "./conformanceShared.js";
import { notifyContext } from "./notifyContext.js";

/** A live receiver a handler can deliver to. */
export interface HandlerTarget<Input> {
  /** Options that deliver to this receiver. */
  options: Input;
  /** How many deliveries the receiver has accepted so far; when given, each `notify` must add one. */
  received?: () => number;
  /** Whether the receiver saw the secret's value; when given, the suite asserts that it did. */
  sawSecret?: (value: string) => boolean;
  /** Tears the receiver down. */
  cleanup?: () => unknown;
}

/** Builds a receiver; `secret` is a `{ $secret }` reference to put wherever the plugin accepts one. */
export type HandlerTargetFactory<Input> = (secret: SecretRef) => Promise<HandlerTarget<Input>>;

/** What {@link describeHandlerPlugin} checks a handler plugin with. */
export interface HandlerConformanceOptions<Input> {
  /** Options the schema must accept (at least one). The first is also given to each builder. */
  validOptions: readonly [Input, ...Input[]];
  /** Options the schema must reject, each with the path the error must name. */
  invalidOptions: readonly InvalidOptionsCase[];
  /**
   * The arguments to call each builder with, by builder name.
   * @default { [every builder]: [validOptions[0]] }
   */
  builderArguments?: Record<string, readonly unknown[]>;
  /** A receiver that accepts deliveries. */
  target?: HandlerTargetFactory<Input>;
  /**
   * A receiver that refuses deliveries (answers an error): `notify` must throw `AMS_ERR_DELIVERY_FAILED`
   * without the secret in its message.
   */
  failingTarget?: HandlerTargetFactory<Input>;
  /** A receiver that never answers: `notify` must give up once its signal is aborted. */
  hangingTarget?: HandlerTargetFactory<Input>;
  /**
   * The transition delivered.
   * @default a transition of "Health-Check" in module "Conformance" from ok to critical
   */
  transition?: Transition;
}

function conformanceTransition(): Transition {
  const since = Date.now();
  return {
    id: `conformance-${randomBytes(4).toString("hex")}`,
    module: "Conformance",
    monitor: "Health-Check",
    tags: ["conformance"],
    from: "ok",
    to: "critical",
    since,
    previousSince: since - 60_000,
    result: {
      status: "critical",
      message: "HTTP 500 from GET http://127.0.0.1/health (expected 2xx)",
      value: 12.5,
      durationMs: 13,
      timestamp: since,
      details: { statusCode: 500 },
    },
    incident: { key: "conformance-incident", openedAt: since },
  };
}

/**
 * The first notifications of two fresh incidents that are not a plain status change: an escalation (the
 * incident is open, and this handler hears of it for the first time) and a flapping announcement made
 * while the monitor happens to be ok.
 */
function openingsOfEveryKind(base: Transition): Transition[] {
  const incident = (suffix: string) => ({
    key: `${base.incident?.key ?? base.id}-${suffix}`,
    openedAt: base.since - 10 * 60_000,
  });
  const failing = isFailing(base.to) ? base.to : "critical";
  return [
    {
      ...base,
      id: `${base.id}-escalation`,
      kind: "escalation",
      from: failing,
      to: failing,
      result: { ...base.result, status: failing },
      incident: incident("escalation"),
    },
    {
      ...base,
      id: `${base.id}-flapping`,
      kind: "flapping",
      flapping: true,
      from: "critical",
      to: "ok",
      result: { ...base.result, status: "ok", message: "HTTP 200" },
      incident: incident("flapping"),
    },
  ];
}

function contextFor(transition: Transition, overrides: Partial<NotifyContext> = {}): NotifyContext {
  return notifyContext("conformance", { idempotencyKey: `${transition.id}:conformance:0`, ...overrides });
}

/**
 * Registers the conformance suite of a handler plugin: its descriptor and builders, option validation,
 * the shape of the handlers it creates, and, given receivers, that deliveries arrive with secrets
 * resolved, that every kind of notification is delivered (an `escalation` and a `flapping` announcement,
 * even one made while the monitor is ok, each reach the receiver as the first notification of their
 * incident, then a reminder and the resolve), that a refused delivery throws `AMS_ERR_DELIVERY_FAILED`
 * without leaking a secret, and that an aborted delivery gives up.
 *
 * @example
 * ```ts
 * import { describeHandlerPlugin } from "@amstaff/core/testing";
 *
 * describeHandlerPlugin(webhookPlugin, {
 *   validOptions: [{ url: "https://hooks.example.com/amstaff" }],
 *   invalidOptions: [{ options: { url: "ftp://x" }, path: "url" }],
 * });
 * ```
 */
export function describeHandlerPlugin<Schema extends z.ZodType>(
  plugin: HandlerPlugin<Schema>,
  options: HandlerConformanceOptions<z.input<Schema>>,
): void {
  const createFrom = (input: unknown, source: (name: string) => string | undefined): SampleHandler =>
    plugin.create(resolveSecrets(parsePluginOptions(plugin, input), source));
  const transition = () => options.transition ?? conformanceTransition();

  describe(`${plugin.id} conforms to the handler plugin contract`, () => {
    describeDescriptor(
      plugin,
      "handler",
      options.validOptions,
      options.invalidOptions,
      options.builderArguments,
    );

    describe("create", () => {
      it("returns a SampleHandler with a name, without delivering anything", async () => {
        const handler = createFrom(options.validOptions[0], conformanceSecret().source);
        expect(handler.name).toMatch(/\S/);
        expect(typeof handler.notify).toBe("function");
        if (handler.dispose !== undefined) await handler.dispose();
      });
    });

    const { target, failingTarget, hangingTarget } = options;
    if (target !== undefined) {
      describe("notify", () => {
        it("delivers with secrets resolved, returning nothing or a JSON receipt it gets back later", async () => {
          const secret = conformanceSecret();
          const live = await target(secret.ref);
          try {
            expectNoSecret("the parsed options", parsePluginOptions(plugin, live.options), secret.value);
            const handler = createFrom(live.options, secret.source);
            expectNoSecret("the handler's name", handler.name, secret.value);
            const sent = transition();
            const before = live.received?.() ?? 0;
            const receipt = (await handler.notify(sent, contextFor(sent))) ?? undefined;
            if (receipt !== undefined) {
              expect(jsonRoundTrip(receipt)).toEqual(receipt);
              expectNoSecret("the receipt", receipt, secret.value);
            }
            if (live.received !== undefined) expect(live.received()).toBe(before + 1);
            if (live.sawSecret !== undefined) expect(live.sawSecret(secret.value)).toBe(true);
            const recovery: Transition = { ...sent, id: `${sent.id}-recovery`, from: "critical", to: "ok" };
            await handler.notify(recovery, contextFor(recovery, receipt === undefined ? {} : { receipt }));
            await handler.dispose?.();
          } finally {
            await live.cleanup?.();
          }
        });

        it("delivers every kind of notification: an escalation and a flapping announcement open an incident", async () => {
          const secret = conformanceSecret();
          const live = await target(secret.ref);
          try {
            const handler = createFrom(live.options, secret.source);
            for (const opening of openingsOfEveryKind(transition())) {
              const before = live.received?.() ?? 0;
              const receipt = (await handler.notify(opening, contextFor(opening))) ?? undefined;
              if (receipt !== undefined) {
                expect(jsonRoundTrip(receipt)).toEqual(receipt);
                expectNoSecret("the receipt", receipt, secret.value);
              }
              // The first notification of an incident a handler hears of must reach the receiver, whatever its kind.
              if (live.received !== undefined) expect(live.received(), opening.kind).toBe(before + 1);
              const context = (t: Transition) => contextFor(t, receipt === undefined ? {} : { receipt });
              const { to } = opening;
              if (to !== "ok") {
                const reminder: Transition = {
                  ...opening,
                  id: `${opening.id}-reminder`,
                  kind: "reminder",
                  from: to,
                };
                await handler.notify(reminder, context(reminder));
              }
              const resolve: Transition = {
                ...opening,
                id: `${opening.id}-resolve`,
                kind: "transition",
                flapping: undefined,
                from: to,
                to: "ok",
                since: opening.since + 60_000,
                previousSince: opening.since,
                result: {
                  ...opening.result,
                  status: "ok",
                  message: "HTTP 200",
                  timestamp: opening.since + 60_000,
                },
              };
              await handler.notify(resolve, context(resolve));
            }
            await handler.dispose?.();
          } finally {
            await live.cleanup?.();
          }
        });
      });
    }

    if (failingTarget !== undefined) {
      it("reports a refused delivery as AMS_ERR_DELIVERY_FAILED, without the secret", async () => {
        const secret = conformanceSecret();
        const live = await failingTarget(secret.ref);
        try {
          const handler = createFrom(live.options, secret.source);
          const sent = transition();
          const error = await handler.notify(sent, contextFor(sent)).then(
            () => undefined,
            (thrown: unknown) => thrown,
          );
          expect(isAmstaffError(error, "AMS_ERR_DELIVERY_FAILED"), String(error)).toBe(true);
          const failure = error as AmstaffError;
          expectNoSecret("the error message", failure.message, secret.value);
          expectNoSecret("the error details", failure.details ?? {}, secret.value);
          await handler.dispose?.();
        } finally {
          await live.cleanup?.();
        }
      });
    }

    if (hangingTarget !== undefined) {
      it("gives up a delivery when its signal is aborted, with AMS_ERR_DELIVERY_FAILED", async () => {
        const secret = conformanceSecret();
        const live = await hangingTarget(secret.ref);
        try {
          const handler = createFrom(live.options, secret.source);
          const sent = transition();
          const controller = new AbortController();
          const delivery = handler.notify(sent, contextFor(sent, { signal: controller.signal }));
          setTimeout(() => controller.abort(new Error("delivery timed out")), 100);
          const error = await delivery.then(
            () => undefined,
            (thrown: unknown) => thrown,
          );
          expect(isAmstaffError(error, "AMS_ERR_DELIVERY_FAILED"), String(error)).toBe(true);
          expectNoSecret("the error message", (error as Error).message, secret.value);
          await handler.dispose?.();
        } finally {
          await live.cleanup?.();
        }
      });
    }
  });
}
