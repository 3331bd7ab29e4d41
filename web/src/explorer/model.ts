// The model the explorer's queries name: null for the server's default. Chosen in the header when the
// server loads several models (GLORIA_MODEL_DIRS).
import { createContext, useContext } from "react";

export const ModelContext = createContext<string | null>(null);

/** The chosen model, as the queries' `model` variable. */
export function useModel(): string | null {
  return useContext(ModelContext);
}
