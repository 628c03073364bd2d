// Response shapes of the read API: Hugging Face's Papers API field names, plus Paperboy's additions
// (HF clients ignore unknown fields). These schemas also serialise the responses and feed OpenAPI.
import { Type, type TSchema } from '@sinclair/typebox';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const ApiError = Type.Object(
  {
    error: Type.String({ description: 'What went wrong, for people' }),
    code: Type.String({ description: 'Stable code, for programs: bad_request, not_found, rate_limited, …' }),
  },
  { $id: 'ApiError', examples: [{ error: 'Invalid date "2024-13-45": expected YYYY-MM-DD.', code: 'bad_request' }] },
);

/** The error answers every read endpoint may give. */
export const errorResponses = {
  400: Type.Ref('ApiError', { description: 'Bad parameter' }),
  404: Type.Ref('ApiError', { description: 'Not found' }),
  429: Type.Ref('ApiError', { description: 'Too many requests; see Retry-After' }),
};

export const HfAuthor = Type.Object({
  _id: Type.String({ description: 'Stable id of this author on this paper (paper id and position)' }),
  name: Type.String(),
  hidden: Type.Boolean(),
});

export const HfPaper = Type.Object(
  {
    id: Type.String({ description: 'arXiv id without version', examples: ['2410.17243'] }),
    authors: Type.Array(HfAuthor),
    publishedAt: Nullable(Type.String({ format: 'date-time', description: 'First version on arXiv' })),
    title: Type.String(),
    summary: Type.String({ description: 'Abstract' }),
    upvotes: Type.Integer(),
    discussionId: Type.String(),
    githubRepo: Type.Optional(Type.String()),
    githubStars: Type.Optional(Type.Integer()),
    projectPage: Type.Optional(Type.String()),
    categories: Type.Array(Type.String(), { description: 'Paperboy: arXiv categories' }),
    primaryCategory: Nullable(Type.String()),
    version: Type.Integer({ description: 'Paperboy: latest arXiv version' }),
    comment: Nullable(Type.String({ description: 'Paperboy: the authors\' arXiv comment' })),
    journalRef: Nullable(Type.String()),
    doi: Nullable(Type.String()),
    comments: Type.Optional(Type.Array(Type.Unknown(), { description: 'With ?field=comments: the discussion, oldest first' })),
    ai_summary: Type.Optional(Type.String({ description: 'AI summary (2–3 sentences), only when the instance has a chat model configured; see ai_model' })),
    ai_keywords: Type.Optional(Type.Array(Type.String(), { description: 'AI keywords (5–8), as ai_summary' })),
    ai_model: Type.Optional(Type.String({ description: 'Paperboy: the model that wrote ai_summary and ai_keywords' })),
  },
  {
    $id: 'HfPaper',
    examples: [
      {
        id: '2410.17243',
        authors: [{ _id: '2410.17243:0', name: 'Zesen Cheng', hidden: false }],
        publishedAt: '2024-10-22T17:59:30.000Z',
        title: 'Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss',
        summary: 'Contrastive loss is a powerful approach for representation learning, …',
        upvotes: 64,
        discussionId: 'paper-1',
        categories: ['cs.CV'],
        primaryCategory: 'cs.CV',
        version: 1,
        comment: null,
        journalRef: null,
        doi: null,
      },
    ],
  },
);

/** Fields HF's Python client reads from the top level of list items (not from `paper`). */
function topLevelExtras() {
  return {
    githubRepo: Type.Optional(Type.String({ description: 'Code repository (as paper.githubRepo)' })),
    githubStars: Type.Optional(Type.Integer({ description: 'GitHub stars, synced daily' })),
    projectPage: Type.Optional(Type.String()),
    ai_summary: Type.Optional(Type.String({ description: 'As paper.ai_summary' })),
    ai_keywords: Type.Optional(Type.Array(Type.String())),
  };
}

export const HfDailyItem = Type.Object(
  {
    paper: Type.Ref('HfPaper'),
    publishedAt: Type.String({ format: 'date-time', description: 'When the paper was put on the daily list' }),
    title: Type.String(),
    summary: Type.String(),
    mediaUrls: Type.Array(Type.String()),
    thumbnail: Nullable(Type.String()),
    numComments: Type.Integer(),
    submittedBy: Nullable(
      Type.Object({
        name: Type.String({ description: 'User name' }),
        user: Type.Optional(Type.String({ description: 'User name again, where HF clients read it' })),
        fullname: Type.String(),
        avatarUrl: Nullable(Type.String()),
        type: Type.String(),
      }),
    ),
    ...topLevelExtras(),
  },
  {
    $id: 'HfDailyItem',
    examples: [
      {
        paper: { id: '2410.17243', title: 'Breaking the Memory Barrier: …', upvotes: 64, '…': '(HfPaper)' },
        publishedAt: '2024-10-25T00:57:09.392Z',
        title: 'Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss',
        summary: 'Contrastive loss is a powerful approach for representation learning, …',
        mediaUrls: [],
        thumbnail: 'https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2410.17243.png',
        numComments: 3,
        submittedBy: { name: 'ClownRat', fullname: 'Zesen Cheng', avatarUrl: '/avatars/1b09e2742aecce1bbdc57f0c4504cf38.svg', type: 'user' },
      },
    ],
  },
);

export const HfSearchItem = Type.Object(
  {
    paper: Type.Ref('HfPaper'),
    title: Type.String(),
    summary: Type.String({ description: 'Abstract' }),
    publishedAt: Nullable(Type.String({ format: 'date-time', description: 'First version on arXiv' })),
    thumbnail: Nullable(Type.String({ description: 'First-page image (this instance\'s rendering when it has one)' })),
    numComments: Type.Integer(),
    mediaUrls: Type.Array(Type.String()),
    highlights: Type.Object(
      {
        title: Nullable(Type.String({ description: 'HTML: the escaped title, matched words in <mark>' })),
        summary: Nullable(Type.String({ description: 'HTML: an escaped abstract excerpt around the matches, matched words in <mark>' })),
      },
      { description: 'Where the query matched' },
    ),
    ...topLevelExtras(),
  },
  {
    $id: 'HfSearchItem',
    examples: [
      {
        paper: { id: '2410.17243', title: 'Breaking the Memory Barrier: …', '…': '(HfPaper)' },
        title: 'Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss',
        summary: 'Contrastive loss is a powerful approach for representation learning, …',
        publishedAt: '2024-10-22T17:59:30.000Z',
        thumbnail: null,
        numComments: 3,
        mediaUrls: [],
        highlights: { title: 'Breaking the <mark>Memory</mark> Barrier: …', summary: '<mark>Contrastive</mark> <mark>loss</mark> is …' },
      },
    ],
  },
);

/** Shared schemas, added once to the app so that routes and OpenAPI can $ref them. */
export const sharedSchemas = [ApiError, HfPaper, HfDailyItem, HfSearchItem];
