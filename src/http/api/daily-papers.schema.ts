import { Type, type Static } from '@sinclair/typebox';

export const DailyPapersQuery = Type.Object(
  {
    date: Type.Optional(Type.String({ description: 'Day, YYYY-MM-DD (default: the latest day with papers)', examples: ['2024-10-25'] })),
    week: Type.Optional(Type.String({ description: 'ISO week, YYYY-Www', examples: ['2024-W43'] })),
    month: Type.Optional(Type.String({ description: 'Month, YYYY-MM', examples: ['2024-10'] })),
    submitter: Type.Optional(Type.String({ maxLength: 100, description: 'Only papers submitted by this user name' })),
    sort: Type.Optional(
      Type.Union([Type.Literal('publishedAt'), Type.Literal('trending')], {
        description:
          'Order. Default: most upvoted first, ties by submission time, newest first (as Hugging Face). publishedAt: newest submission first. trending: as on Hugging Face, date, week and month are ignored: the weekly trending ranking (see the README); before one is computed (or with a submitter), the last 7 listed days by upvotes.',
      }),
    ),
    p: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000, default: 0, description: 'Page, from 0' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'Items per page, 1–100' })),
  },
  { additionalProperties: false },
);
export type DailyPapersQuery = Static<typeof DailyPapersQuery>;
