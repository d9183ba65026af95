import { amstaff, cron, every, only, secret } from "@amstaff/dsl";
import { email } from "@amstaff/handler-email";
import { opsgenie } from "@amstaff/handler-opsgenie";
import { slack } from "@amstaff/handler-slack";
import { graphite } from "@amstaff/sampler-graphite";
import { httpGet } from "@amstaff/sampler-http";
import { postgres } from "@amstaff/sampler-sql";

/**
 * The payments team's monitors: every handler hears warnings and recoveries in Slack, OpsGenie pages
 * only for critical, and an open incident is re-posted every 30 minutes until someone acknowledges it.
 * Secrets are names: each node reads SLACK_TOKEN, OPSGENIE_KEY, PAYMENTS_DB_URL and SMTP_PASSWORD from
 * its environment.
 */
const team = [
  slack({ token: secret("SLACK_TOKEN"), channel: "#payments-alerts", mention: "<!here>" }),
  only(
    opsgenie({
      apiKey: secret("OPSGENIE_KEY"),
      region: "eu",
      responders: [{ type: "team", name: "payments" }],
    }),
    {
      to: ["critical"],
    },
  ),
];

export default amstaff(
  "Payments",
  { defaults: { handlers: team, tags: ["payments", "production"], renotify: "30m" } },
  (m) => {
    m.monitor("Checkout API", {
      sampler: httpGet({
        url: "https://payments.internal.example.com/health",
        latency: { warning: 300, critical: 1000 },
        expect: { json: "status", equals: "UP" },
        certificate: { warningDays: 21, criticalDays: 7 },
      }),
      timing: every("30s"),
      consecutive: 2,
    });

    m.monitor("Stuck payouts", {
      sampler: postgres(secret("PAYMENTS_DB_URL"), {
        query:
          "SELECT count(*) FROM payouts WHERE status = 'pending' AND created_at < now() - interval '1 hour'",
        warning: 1,
        critical: 20,
      }),
      timing: every("5m"),
    });

    m.monitor("Card declines", {
      sampler: graphite({
        url: "http://graphite.internal.example.com",
        target: "sumSeries(payments.*.declines.rate)",
        from: "-10min",
        warning: 5,
        critical: 15,
      }),
      timing: every("1m"),
    });

    m.monitor("Nightly settlement report", {
      sampler: httpGet({ url: "https://payments.internal.example.com/reports/settlement/latest" }),
      timing: cron("30 6 * * *", { timezone: "Europe/Berlin" }),
      handlers: [
        email({
          host: "smtp.example.com",
          auth: { user: "amstaff", pass: secret("SMTP_PASSWORD") },
          from: "amstaff@example.com",
          to: ["payments-team@example.com"],
        }),
      ],
    });
  },
);
