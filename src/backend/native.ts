// Temporary: replaced by the native backend loader.
import type { Backend } from "./types.js";
export function loadNative(): { backend: Partial<Backend> & { name: "cpu-native"; threads: number } } | { error: string } {
  return { error: "the native addon is not built yet" };
}
