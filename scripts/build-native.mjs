// Placeholder until the native backend lands: gradstack runs on the TypeScript backend.
