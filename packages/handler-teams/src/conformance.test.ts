import { describeHandlerPlugin } from "@amstaff/core/testing";
import { startWorkflowsEmulator } from "./__tests__/workflowsEmulator.js";
import { teamsPlugin } from "./plugin.js";

const url =
  "https://prod-12.westeurope.logic.azure.com:443/workflows/0a1b2c3d4e5f/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=AbCdEf0123456789";

// The workflow URL is the plugin's one secret, and it must be a signed workflow URL: the kit's secret value
// (a random string) cannot stand in for it, so the live targets take the emulator's URL as a literal.
// teamsHandler.test.ts resolves it from a secret reference and checks the signature never shows.
describeHandlerPlugin(teamsPlugin, {
  validOptions: [
    { url },
    { url: { $secret: "TEAMS_WORKFLOW_URL" } },
    {
      url: { $secret: "TEAMS_WORKFLOW_URL" },
      title: "{{module}} / {{monitor}} is {{TO}}",
      message: "{{message}} ({{value}})",
      cardVersion: "1.5",
      fullWidth: false,
      timeout: "5s",
    },
  ],
  invalidOptions: [
    { options: {}, path: "url" },
    { options: { url: "https://example.com/hook" }, path: "url" },
    { options: { url: "ftp://example.com/hook?sig=x" }, path: "url" },
    { options: { url, cardVersion: "2.0" }, path: "cardVersion" },
    { options: { url, title: "{{nope}}" }, path: "title", message: /unknown template variable/ },
    { options: { url, timeout: "10 seconds" }, path: "timeout" },
    { options: { url, color: "red" } },
  ],
  target: async () => {
    const workflow = await startWorkflowsEmulator();
    return {
      options: { url: workflow.url },
      received: () => workflow.cards.length,
      cleanup: () => workflow.close(),
    };
  },
  failingTarget: async () => {
    const workflow = await startWorkflowsEmulator();
    return {
      options: { url: workflow.url.replace(/sig=[^&]+/, "sig=wrong") },
      cleanup: () => workflow.close(),
    };
  },
  hangingTarget: async () => {
    const workflow = await startWorkflowsEmulator();
    workflow.hang = true;
    return { options: { url: workflow.url }, cleanup: () => workflow.close() };
  },
});
