namespace DeadlineGuard.Reconciler;

/// <summary>The kinds of watch event (k8s.io/apimachinery watch.EventType), and one for an object the decoder could not read.</summary>
public enum WatchEventKind
{
    Added,
    Modified,
    Deleted,
    Bookmark,
    Error,
    Unreadable,
}
