import { Type, type Static } from '@sinclair/typebox';

export const SearchQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 250, description: 'Words, a title, an arXiv id or an arxiv.org URL (1–250 characters)' }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 120, default: 50, description: 'Results, 1–120' })),
    p: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: 0, description: 'Page, from 0' })),
    sort: Type.Optional(Type.Union([Type.Literal('relevance'), Type.Literal('newest'), Type.Literal('upvotes')], { default: 'relevance' })),
    from: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Published on or after, YYYY-MM-DD' })),
    to: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Published on or before, YYYY-MM-DD' })),
    category: Type.Optional(Type.String({ maxLength: 40, pattern: '^[\\w.-]+$', description: 'arXiv category, e.g. cs.CL' })),
    hasCode: Type.Optional(Type.Boolean({ description: 'Only papers with a code link' })),
    mode: Type.Optional(
      Type.Union([Type.Literal('hybrid'), Type.Literal('lexical'), Type.Literal('vector')], { default: 'hybrid', description: 'hybrid (words and meaning), lexical (words only) or vector (meaning only)' }),
    ),
  },
  { additionalProperties: false },
);
export type SearchQuery = Static<typeof SearchQuery>;

export const SimilarQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10, description: 'Results, 1–50' })) },
  { additionalProperties: false },
);
export type SimilarQuery = Static<typeof SimilarQuery>;
