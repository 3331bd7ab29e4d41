// Prisma CLI settings: where the schema is. The database URL is given at run time by the composition
// root (src/stores/prisma/prisma.client.ts); migrations are plain SQL applied by node-pg-migrate.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
});
