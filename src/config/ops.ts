// Settings of the ops area. Add entries here; src/config/index.ts merges every area into one table.
export const ops = {};
