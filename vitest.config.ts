import { defineConfig } from "vitest/config";

// Three projects: fast unit tests beside the code, and suites that start real processes under test/.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "libs/*/src/**/*.spec.ts",
            "services/*/src/**/*.spec.ts",
            "tools/*/src/**/*.spec.ts",
          ],
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/src/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/src/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
