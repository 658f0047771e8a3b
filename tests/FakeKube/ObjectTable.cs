namespace DeadlineGuard.Tests.Support.FakeKube;

/// <summary>
/// The objects of one resource type by key ("namespace/name", or "name" when cluster-scoped), in the API server's
/// list order (etcd's byte order of keys), and the sorted keys as an array for paging: made again only after an
/// object comes or goes, so a page of a large list costs a binary search and its own items.
/// </summary>
internal sealed class ObjectTable
{
    private string[]? keys;
    private StoredObject[]? values;

    public SortedDictionary<string, StoredObject> Items { get; } = new(StringComparer.Ordinal);

    public void Add(string key, StoredObject stored)
    {
        Items.Add(key, stored);
        (keys, values) = (null, null);
    }

    public StoredObject? Remove(string key)
    {
        if (!Items.Remove(key, out var removed))
        {
            return null;
        }

        (keys, values) = (null, null);
        return removed;
    }

    /// <summary>Replaces the object under a key that is already there (the sorted keys stay as they are).</summary>
    public void Replace(string key, StoredObject stored)
    {
        Items[key] = stored;
        values = null;
    }

    /// <summary>The keys in order, and the objects in the same order.</summary>
    public (string[] Keys, StoredObject[] Values) Sorted()
    {
        keys ??= [.. Items.Keys];
        values ??= [.. Items.Values];
        return (keys, values);
    }
}
