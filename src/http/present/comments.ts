// A comment in the API's shape (the write API and /api/papers/:id?field=comments).
import type { CommentView } from '../../services/comments.ts';

export function commentJson(c: CommentView): Record<string, unknown> {
  return {
    id: String(c.id),
    parentId: c.parentId === null ? null : String(c.parentId),
    author: { name: c.author.username, fullname: c.author.displayName },
    createdAt: c.createdAt,
    editedAt: c.editedAt,
    deleted: c.deleted,
    hidden: c.hidden,
    markdown: c.markdown,
    html: c.html,
    replies: c.replies.map(commentJson),
  };
}
