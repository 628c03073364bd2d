// Row types of the ingest area's tables. src/storage/schema.ts merges them into Database.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface IngestTables {}
