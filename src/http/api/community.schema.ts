import { Type, type Static } from '@sinclair/typebox';

export const SubmitBody = Type.Object(
  {
    paper_id: Type.String({ minLength: 1, maxLength: 300, description: 'arXiv id (2410.17243, with or without version) or arxiv.org URL' }),
    comment: Type.Optional(Type.String({ maxLength: 10000, description: 'Why it is worth reading (optional)' })),
  },
  { additionalProperties: false },
);
export type SubmitBody = Static<typeof SubmitBody>;

export const CommentBody = Type.Object(
  {
    body: Type.String({ minLength: 1, maxLength: 100000, description: 'Markdown; $…$ for math' }),
    parent_id: Type.Optional(Type.Integer({ minimum: 1, description: 'Reply to this comment (replies are one level deep)' })),
  },
  { additionalProperties: false },
);
export type CommentBody = Static<typeof CommentBody>;

export const EditCommentBody = Type.Object({ body: Type.String({ minLength: 1, maxLength: 100000 }) }, { additionalProperties: false });
export type EditCommentBody = Static<typeof EditCommentBody>;

export const PaperIdParams = Type.Object({ id: Type.String({ maxLength: 300, description: 'arXiv id' }) });
export type PaperIdParams = Static<typeof PaperIdParams>;

export const NumericIdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
export type NumericIdParams = Static<typeof NumericIdParams>;

export const TrendingQuery = Type.Object(
  {
    window: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], { default: 'week' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
  },
  { additionalProperties: false },
);
export type TrendingQuery = Static<typeof TrendingQuery>;

/** A submission arXiv did not answer in time for: it finishes in the background. */
export const SubmitQueued = Type.Object(
  { id: Type.String(), queued: Type.Boolean(), message: Type.String() },
  { description: 'Accepted: the paper is being fetched from arXiv and will be listed when it qualifies' },
);

export const writeErrors = {
  400: Type.Object({ error: Type.String(), code: Type.String() }, { description: 'Bad input or a refused paper' }),
  401: Type.Object({ error: Type.String(), code: Type.String() }, { description: 'No or invalid personal token' }),
  403: Type.Object({ error: Type.String(), code: Type.String() }, { description: 'Not allowed, or the token lacks the scope (code insufficient_scope)' }),
  404: Type.Object({ error: Type.String(), code: Type.String() }, { description: 'Unknown paper or comment' }),
  409: Type.Object({ error: Type.String(), code: Type.String() }, { description: 'Already done (double vote, already listed)' }),
  429: Type.Object({ error: Type.String(), code: Type.String() }, { description: 'Over a limit; see Retry-After' }),
};
