// Settings of the community area. Add entries here; src/config/index.ts merges every area into one table.
export const community = {};
