// Builds the browser pages the server serves: the explorer at / and the GraphQL IDE at GET /graphql.
// `npm ci` builds them (the `prepare` script); nothing is fetched at run time, so the pages work on
// an offline network. Output: web/dist, served by src/server/web.ts.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export default defineConfig({
  root: here("."),
  base: "/ui/",
  publicDir: false,
  logLevel: "warn",
  build: {
    outDir: here("dist"),
    emptyOutDir: true,
    // GraphiQL's editor is large; the explorer does not load it.
    chunkSizeWarningLimit: 6000,
    rollupOptions: {
      input: { explorer: here("index.html"), ide: here("ide.html") },
      // GraphiQL's dependencies mark modules "use client" for React servers; a browser bundle ignores it.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
  worker: { format: "es" },
});
