namespace DeadlineGuard.Tests.Support.FakeKube;

/// <summary>
/// The objects of one resource type by key ("namespace/name", or "name" when cluster-scoped), in the API server's
/// list order (etcd's byte order of keys), and the sorted keys as an array for paging: made again only after an
/// object comes or goes, so a page of a large list costs a binary search and its own items.
/// </summary>
internal sealed class ObjectTable
{
    private string[]? keys;

    public SortedDictionary<string, StoredObject> Items { get; } = new(StringComparer.Ordinal);

    public void Add(string key, StoredObject stored)
    {
        Items.Add(key, stored);
        keys = null;
    }

    public StoredObject? Remove(string key)
    {
        if (!Items.Remove(key, out var removed))
        {
            return null;
        }

        keys = null;
        return removed;
    }

    public string[] SortedKeys() => keys ??= [.. Items.Keys];
}
