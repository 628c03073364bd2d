import { Type, type Static } from '@sinclair/typebox';

export const RecsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'How many papers (1–100)' })),
    window: Type.Optional(
      Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], {
        default: 'month',
        description: "Which of the daily list's papers to rank: the latest day, its week (7 days) or month (30 days, the default: the widest choice)",
      }),
    ),
  },
  { additionalProperties: false },
);
export type RecsQuery = Static<typeof RecsQuery>;

export const MoreLikeThisQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })) }, { additionalProperties: false });
export type MoreLikeThisQuery = Static<typeof MoreLikeThisQuery>;

const HfPaperRef = Type.Object(
  { id: Type.String(), title: Type.String() },
  { additionalProperties: true, description: 'The paper in the Hugging Face shape (as in /api/daily_papers)' },
);

export const RecItem = Type.Object({
  paper: HfPaperRef,
  title: Type.String(),
  summary: Type.String(),
  publishedAt: Type.Union([Type.String(), Type.Null()]),
  reason: Type.String({ description: 'One line saying why, e.g. "Because you upvoted …" or "By an author you follow (…)"' }),
  score: Type.Number({ description: "The reader model's score (higher is better; only the order means anything)" }),
});

export const RecsResponse = Type.Array(RecItem, { description: 'Best first; never a paper the reader upvoted or dismissed' });

export const ApiErr = Type.Object({ error: Type.String(), code: Type.String() });
