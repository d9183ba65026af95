import type { Integration } from "@amstaff/core";
import { z } from "zod";
import { slackInteractionRoute } from "./slackInteractions.js";

/**
 * The server-side settings of Slack's integration, read by the server from `AMSTAFF_SLACK_SIGNING_SECRET`,
 * `AMSTAFF_SLACK_TOKEN` and `AMSTAFF_SLACK_API_URL` (or `startServer({ integrations: { slack } })`).
 */
export const slackIntegrationSettingsSchema = z.object({
  /** The Slack app's Signing Secret (Basic Information › App Credentials): every click is verified with it. */
  signingSecret: z.string().min(1),
  /**
   * A bot token to update acknowledged messages with `chat.update`.
   * @default undefined (updated through the interaction's `response_url`)
   */
  token: z.string().min(1).optional(),
  /**
   * The Web API's base URL. Only for a proxy or a local Slack emulator in tests.
   * @default "https://slack.com/api/"
   */
  apiUrl: z.url({ protocol: /^https?$/ }).optional(),
});

/** The settings of Slack's integration, as given (see {@link slackIntegrationSettingsSchema}). */
export type SlackIntegrationSettings = z.input<typeof slackIntegrationSettingsSchema>;

/**
 * Slack's inbound side: the Acknowledge buttons of Slack alerts, answered at
 * `POST /integrations/slack/actions` once the signing secret is set. A verified click acknowledges the
 * incident through the server's log (`by` is the Slack user, `<@U…>`) and the alert then shows
 * "Acknowledged by @name".
 */
export const slackIntegration: Integration<typeof slackIntegrationSettingsSchema> = {
  path: "slack",
  settings: slackIntegrationSettingsSchema,
  routes: (settings, host) =>
    slackInteractionRoute({
      signingSecret: settings.signingSecret,
      token: settings.token,
      apiUrl: settings.apiUrl,
      onAcknowledge: async ({ module, monitor, incidentKey, user }) => {
        await host.acknowledgeIncident({ module, monitor, incident: incidentKey, by: `<@${user.id}>` });
        host.logger.info(
          { module, monitor, incident: incidentKey, by: user.name },
          "incident acknowledged in Slack",
        );
      },
      onError: (error) => host.logger.warn({ err: error }, "could not update the acknowledged Slack message"),
    }),
};
