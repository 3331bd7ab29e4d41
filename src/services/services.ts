// The use cases the API layer may call. The composition root builds one instance per app.
import type { AuthService } from "./auth.service.ts";
import type { HealthService } from "./health.service.ts";

export interface Services {
  health: HealthService;
  auth: AuthService;
}
