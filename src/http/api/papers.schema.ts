import { Type, type Static } from '@sinclair/typebox';

export const PaperParams = Type.Object({ id: Type.String({ maxLength: 300, description: 'arXiv id (a version suffix or an arxiv.org URL is accepted)', examples: ['2410.17243'] }) });
export type PaperParams = Static<typeof PaperParams>;

export const OldPaperParams = Type.Object({
  archive: Type.String({ maxLength: 40, description: 'Old-style archive', examples: ['hep-th'] }),
  num: Type.String({ maxLength: 40, description: 'Old-style number', examples: ['9901001'] }),
});
export type OldPaperParams = Static<typeof OldPaperParams>;

export const PaperQuery = Type.Object(
  { field: Type.Optional(Type.Literal('comments', { description: 'comments: include the discussion' })) },
  { additionalProperties: false },
);
export type PaperQuery = Static<typeof PaperQuery>;

export const PapersQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'Opaque position from the previous page\'s Link header' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'Items per page, 1–100' })),
  },
  { additionalProperties: false },
);
export type PapersQuery = Static<typeof PapersQuery>;

export const AuthorParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200, description: 'Author name (case and accents folded)', examples: ['Lidong Bing'] }) });
export type AuthorParams = Static<typeof AuthorParams>;

export const PageQuery = Type.Object(
  {
    p: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000, default: 0, description: 'Page, from 0' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'Items per page, 1–100' })),
  },
  { additionalProperties: false },
);
export type PageQuery = Static<typeof PageQuery>;
