import { amstaff, every, policy, secret } from "@amstaff/dsl";
import { opsgenie } from "@amstaff/handler-opsgenie";
import { slack } from "@amstaff/handler-slack";
import { httpGet } from "@amstaff/sampler-http";
import { postgres } from "@amstaff/sampler-sql";

/**
 * The checkout team's monitors, with every alert-policy feature in one file. Its tests, in
 * checkout.alerts.test.ts, prove each one offline: `amstaff test policies/checkout.alerts.test.ts`.
 */

/** The team's Slack channel: hears warnings and criticals (and, once it heard, the resolve). */
export const team = slack({ token: secret("SLACK_TOKEN"), channel: "#checkout-alerts" });

/** The on-call engineer's pager: critical only. */
export const pager = opsgenie({
  apiKey: secret("OPSGENIE_KEY"),
  responders: [{ type: "team", name: "checkout" }],
});

/** The engineering manager: an escalation stage, 15 minutes into an unacknowledged incident. */
export const manager = opsgenie({
  apiKey: secret("OPSGENIE_KEY"),
  responders: [{ type: "user", username: "em@example.com" }],
});

/**
 * The team's standard policy: open after 3 failures out of the last 5 samples (a single blip is
 * ignored), resolve after 2 good samples in a row (a flaky recovery stays open), page for critical,
 * escalate after 15 minutes, remind hourly, treat "the sampler itself failed" as a warning, and hold a
 * flapping monitor in one announced state.
 */
export const standard = policy({
  open: { failures: 3, of: 5 },
  resolve: { consecutive: 2 },
  unknown: "warning",
  notify: { warning: [team], critical: [team, pager] },
  escalate: [{ after: "15m", notify: [manager] }],
  renotify: "1h",
  flapping: { samples: 10, high: 0.5, low: 0.2 },
});

/** For slow batch jobs: open on 2 failures within 30 minutes, and ignore samples the sampler could not take. */
export const batch = policy({
  open: { failures: 2, within: "30m" },
  unknown: "ignore",
  notify: { warning: [team], critical: [team] },
});

export default amstaff(
  "Checkout",
  { defaults: { timing: every("1m"), policy: standard, tags: ["checkout", "production"] } },
  (m) => {
    const database = m.monitor("Database", {
      sampler: postgres(secret("CHECKOUT_DB_URL"), { query: "SELECT 1" }),
      tags: ["database"],
    });

    // While the database is failing, the API's alerts are held back (they would only repeat the cause).
    const api = m.monitor("API", {
      sampler: httpGet({ url: "https://checkout.internal.example.com/health" }),
      dependsOn: [database],
    });

    m.monitor("Abandoned carts", {
      sampler: postgres(secret("CHECKOUT_DB_URL"), {
        query: "SELECT count(*) FROM carts WHERE updated_at < now() - interval '1 day'",
        warning: 1_000,
        critical: 10_000,
      }),
      timing: every("10m"),
      policy: batch,
      dependsOn: [database],
    });

    // Deploys every Tuesday 14:00 Berlin time: the API may blip for up to 20 minutes.
    m.maintenance("Tuesday deploy", {
      cron: "0 14 * * 2",
      duration: "20m",
      timezone: "Europe/Berlin",
      monitors: [api],
    });
    // A one-off database migration: everything tagged "database" is expected to fail.
    m.maintenance("Postgres 18 upgrade", {
      from: "2026-01-10T22:00:00Z",
      to: "2026-01-11T02:00:00Z",
      tags: ["database"],
    });
  },
);
