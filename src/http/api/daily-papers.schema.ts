import { Type, type Static } from '@sinclair/typebox';

export const DailyPapersQuery = Type.Object(
  {
    date: Type.Optional(Type.String({ description: 'Day, YYYY-MM-DD' })),
    week: Type.Optional(Type.String({ description: 'ISO week, YYYY-Www' })),
    month: Type.Optional(Type.String({ description: 'Month, YYYY-MM' })),
    submitter: Type.Optional(Type.String({ maxLength: 100, description: 'Only papers submitted by this user name' })),
    sort: Type.Optional(Type.Union([Type.Literal('publishedAt'), Type.Literal('trending')], { description: 'Order; default by upvotes' })),
    p: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000, default: 0, description: 'Page, from 0' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'Items per page, 1–100' })),
  },
  { additionalProperties: false },
);
export type DailyPapersQuery = Static<typeof DailyPapersQuery>;
