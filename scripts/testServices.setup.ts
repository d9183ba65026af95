import type { TestProject } from "vitest/node";
import { ensureServices, type TestService } from "./testServices.ts";

declare module "vitest" {
  interface ProvidedContext {
    /** The real services this project's tests talk to, made ready before any test runs. */
    amstaffServices: TestService[];
  }
}

/** vitest global setup: starts or installs the services the project declares (`amstaffProject({ services })`). */
export default async function setup(project: TestProject): Promise<void> {
  await ensureServices(project.getProvidedContext().amstaffServices ?? []);
}
