// Row types of the community area's tables. src/storage/schema.ts merges them into Database.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface CommunityTables {}
