using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Support.FakeKube;

/// <summary>
/// The fake API server's state: objects per resource type, one global resourceVersion counter, the log of every
/// change (so a watch can resume from any version not yet "compacted") and the open watch streams. Objects are kept
/// as their JSON bytes (<see cref="StoredObject"/>), shared by the table and the log, and parsed only when a request
/// needs a tree (a write, a get, a selector): 100,000 Rollouts of 10 KiB take about their size, where parsed trees
/// took several times it.
/// Every method runs under one lock, so a write, its log entry and its delivery to open watches happen together:
/// a watch opened at version N sees exactly the changes after N, each once, in order.
/// </summary>
internal sealed class FakeKubeStore(TimeProvider time)
{
    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    private readonly Lock gate = new();
    private readonly List<FakeKubeResource> types = [.. FakeKubeResource.Defaults];
    private readonly Dictionary<FakeKubeResource, ObjectTable> objects = [];
    private readonly List<LogEntry> log = [];
    private readonly List<FakeKubeWatch> watches = [];
    private long resourceVersion;
    private long compactedBefore;
    private int generatedNames;

    public string ResourceVersion
    {
        get
        {
            lock (gate)
            {
                return Format(resourceVersion);
            }
        }
    }

    public int OpenWatchCount
    {
        get
        {
            lock (gate)
            {
                return watches.Count;
            }
        }
    }

    public void Register(FakeKubeResource type)
    {
        lock (gate)
        {
            if (!types.Exists(t => t.Group == type.Group && t.Version == type.Version && t.Plural == type.Plural))
            {
                types.Add(type);
            }
        }
    }

    /// <summary>Stops serving a type and drops its objects, as deleting its CRD does: its paths answer 404 from then on.</summary>
    public void Unregister(FakeKubeResource type)
    {
        lock (gate)
        {
            types.RemoveAll(t => t.Group == type.Group && t.Version == type.Version && t.Plural == type.Plural);
            objects.Remove(type);
        }
    }

    public FakeKubeResource? Find(string group, string version, string plural)
    {
        lock (gate)
        {
            return types.Find(t => t.Group == group && t.Version == version && t.Plural == plural);
        }
    }

    /// <summary>The type named by plural, kind, "plural.group" or "group/Kind".</summary>
    public FakeKubeResource Resolve(string name)
    {
        lock (gate)
        {
            var matches = types.FindAll(t => t.IsNamed(name));
            return matches.Count == 1
                ? matches[0]
                : throw new ArgumentException($"\"{name}\" names {matches.Count} registered resource types; qualify it as \"plural.group\" or \"group/Kind\"", nameof(name));
        }
    }

    /// <summary>The type of an object from its apiVersion and kind.</summary>
    public FakeKubeResource TypeOf(JsonObject obj)
    {
        var apiVersion = Text(obj["apiVersion"]) ?? throw new ArgumentException("the object has no apiVersion", nameof(obj));
        var kind = Text(obj["kind"]) ?? throw new ArgumentException("the object has no kind", nameof(obj));
        lock (gate)
        {
            return types.Find(t => t.ApiVersion == apiVersion && t.Kind == kind)
                ?? throw new ArgumentException($"{apiVersion} {kind} is not a registered resource type", nameof(obj));
        }
    }

    public JsonObject? Get(FakeKubeResource type, string? ns, string name)
    {
        lock (gate)
        {
            return Table(type).Items.TryGetValue(Key(type, ns, name), out var stored) ? stored.Parse() : null;
        }
    }

    /// <summary>
    /// One page of a list, paged as the API server pages (docs: kubernetes.io/docs/reference/using-api/api-concepts,
    /// "Retrieving large results sets in chunks"; code: kubernetes/kubernetes
    /// staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go, GetList): at most <paramref name="limit"/> items in key
    /// order; when more remain, an opaque continue token and remainingItemCount. Every page of one list is served from
    /// the state at the first page's resourceVersion (GetList reads etcd at the token's revision, <c>withRev =
    /// continueRV</c>), so a change made between two pages is not in the list; it comes to a watch started from the
    /// list's resourceVersion. A token older than the last compaction is answered 410 Expired, as etcd's
    /// ErrCompacted is, and the client must list again from the start. remainingItemCount is given only for a list
    /// without a label or field selector: GetList counts keys, not matches, so it sets the count only when the
    /// predicate is empty (and ListMeta's documentation in k8s.io/apimachinery says so).
    /// </summary>
    public ListPage List(FakeKubeResource type, string? ns, LabelSelector labels, FieldSelector fields, int? limit, string? continueToken)
    {
        lock (gate)
        {
            var listVersion = resourceVersion;
            var after = string.Empty;
            var table = Table(type);
            var (keys, values) = table.Sorted();
            if (!string.IsNullOrEmpty(continueToken))
            {
                (listVersion, after) = DecodeContinue(continueToken);
                if (listVersion < compactedBefore)
                {
                    throw FakeKubeStatusException.Expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");
                }

                if (ChangedSince(type, listVersion))
                {
                    var state = StateAt(type, listVersion);
                    (keys, values) = ([.. state.Keys], [.. state.Values]);
                }
            }

            // The keys of the namespace (or all) after the last one served, in key order: "ns/" sorts before "ns/any"
            // and "ns0" (the character after '/') after every key of the namespace.
            var from = LowerBound(keys, after, exclusive: true);
            var to = keys.Length;
            if (ns is not null)
            {
                from = Math.Max(from, LowerBound(keys, ns + "/", exclusive: false));
                to = LowerBound(keys, ns + "0", exclusive: false);
            }

            var everything = labels.IsEverything && fields.IsEverything;
            var page = new List<byte[]>();
            var last = from;
            for (var i = from; i < to && (limit is not > 0 || page.Count < limit); i++)
            {
                var stored = values[i];
                if (everything || (labels.Matches(stored.Parse()) && fields.Matches(stored.Parse())))
                {
                    page.Add(stored.Json);
                }

                last = i + 1;
            }

            // As GetList: more remain when keys remain after the last one examined, whether or not they match (so a
            // list with a selector may end with an empty page).
            var more = last < to;
            return new ListPage(
                page,
                Format(listVersion),
                more ? EncodeContinue(listVersion, keys[last - 1]) : null,
                more && everything ? to - last : null);
        }
    }

    /// <summary>Whether any object of the type changed after <paramref name="version"/>.</summary>
    private bool ChangedSince(FakeKubeResource type, long version)
    {
        for (var i = FirstAfter(version); i < log.Count; i++)
        {
            if (log[i].Type == type)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The index of the first log entry after <paramref name="version"/> (the log is in version order).</summary>
    private int FirstAfter(long version)
    {
        var (low, high) = (0, log.Count);
        while (low < high)
        {
            var middle = (low + high) / 2;
            (low, high) = log[middle].Version <= version ? (middle + 1, high) : (low, middle);
        }

        return low;
    }

    /// <summary>The index of the first key greater than (or, not <paramref name="exclusive"/>, equal to) <paramref name="key"/>.</summary>
    private static int LowerBound(string[] keys, string key, bool exclusive)
    {
        var index = Array.BinarySearch(keys, key, StringComparer.Ordinal);
        return index >= 0 ? index + (exclusive ? 1 : 0) : ~index;
    }

    /// <summary>The objects of a type as they were at <paramref name="version"/>, replayed from the change log.</summary>
    private SortedDictionary<string, StoredObject> StateAt(FakeKubeResource type, long version)
    {
        var state = new SortedDictionary<string, StoredObject>(StringComparer.Ordinal);
        foreach (var entry in log.Where(e => e.Type == type && e.Version <= version))
        {
            if (entry.EventType == "DELETED")
            {
                state.Remove(entry.Key);
            }
            else
            {
                state[entry.Key] = entry.Object;
            }
        }

        return state;
    }

    /// <summary>
    /// Stores a new object: the name (or generateName plus a suffix), and for namespaced types the namespace, must
    /// be set. uid and creationTimestamp are filled in when missing; resourceVersion is the next global one.
    /// </summary>
    public JsonObject Create(FakeKubeResource type, JsonObject obj) => Insert(type, (JsonObject)obj.DeepClone());

    /// <summary><see cref="Create"/> of a tree the store may keep changing: the caller's copy, not used after the call.</summary>
    public JsonObject Insert(FakeKubeResource type, JsonObject stored)
    {
        lock (gate)
        {
            var meta = Metadata(stored);
            var ns = type.Namespaced ? Text(meta["namespace"]) ?? throw new ArgumentException("a namespaced object needs metadata.namespace", nameof(stored)) : null;
            var name = Text(meta["name"]);
            var table = Table(type);
            if (string.IsNullOrEmpty(name))
            {
                var prefix = Text(meta["generateName"]);
                if (string.IsNullOrEmpty(prefix))
                {
                    throw FakeKubeStatusException.Invalid($"{type.Kind} in version \"{type.Version}\" is invalid: metadata.name: Required value: name or generateName is required");
                }

                do
                {
                    name = prefix + Suffix(++generatedNames);
                }
                while (table.Items.ContainsKey(Key(type, ns, name)));

                meta["name"] = name;
            }

            var key = Key(type, ns, name);
            if (table.Items.ContainsKey(key))
            {
                throw FakeKubeStatusException.AlreadyExists(type, name);
            }

            stored["apiVersion"] ??= type.ApiVersion;
            stored["kind"] ??= type.Kind;
            Validate(type, stored, name);
            meta["uid"] ??= Guid.NewGuid().ToString();
            meta["creationTimestamp"] ??= time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            meta["resourceVersion"] = Format(++resourceVersion);
            var bytes = StoredObject.From(ns, stored);
            table.Add(key, bytes);
            Emit(type, key, "ADDED", bytes);
            return stored;
        }
    }

    /// <summary>
    /// Replaces a stored object by what <paramref name="compute"/> makes of a copy of it (under the lock, so a
    /// precondition checked there holds). Identity (apiVersion, kind, name, namespace, uid, creationTimestamp) is
    /// kept. A result equal to the stored object is a no-op, as on the real API server: no new resourceVersion and
    /// no watch event.
    /// </summary>
    public JsonObject Update(FakeKubeResource type, string? ns, string name, Func<JsonObject, JsonObject> compute)
    {
        lock (gate)
        {
            var key = Key(type, ns, name);
            var table = Table(type);
            if (!table.Items.TryGetValue(key, out var stored))
            {
                throw FakeKubeStatusException.NotFound(type, name);
            }

            var current = stored.Parse();
            var next = (JsonObject)compute(stored.Parse()).DeepClone();
            var meta = Metadata(next);
            var currentMeta = Metadata(current);
            next["apiVersion"] = current["apiVersion"]?.DeepClone();
            next["kind"] = current["kind"]?.DeepClone();
            foreach (var field in (string[])["name", "namespace", "uid", "creationTimestamp", "resourceVersion"])
            {
                if (currentMeta[field] is { } value)
                {
                    meta[field] = value.DeepClone();
                }
                else
                {
                    meta.Remove(field);
                }
            }

            if (JsonNode.DeepEquals(next, current))
            {
                return current;
            }

            Validate(type, next, name);

            meta["resourceVersion"] = Format(++resourceVersion);
            var bytes = StoredObject.From(stored.Namespace, next);
            table.Replace(key, bytes);
            Emit(type, key, "MODIFIED", bytes);
            return next;
        }
    }

    /// <summary>Removes an object; the DELETED event carries it with the deletion's resourceVersion.</summary>
    public JsonObject? Delete(FakeKubeResource type, string? ns, string name)
    {
        lock (gate)
        {
            var key = Key(type, ns, name);
            if (Table(type).Remove(key) is not { } stored)
            {
                return null;
            }

            var removed = stored.Parse();
            Metadata(removed)["resourceVersion"] = Format(++resourceVersion);
            Emit(type, key, "DELETED", StoredObject.From(stored.Namespace, removed));
            return removed;
        }
    }

    /// <summary>
    /// Opens a watch. No resourceVersion (or "0") starts with a synthetic ADDED per existing object, as the real
    /// server does; a version N replays every logged change after N, then follows live changes. A version older
    /// than the compaction mark gets one ERROR event (Status 410 Expired) and an ended stream.
    /// </summary>
    public FakeKubeWatch OpenWatch(FakeKubeResource type, string? ns, LabelSelector labels, FieldSelector fields, string? fromVersion, bool bookmarks)
    {
        lock (gate)
        {
            var watch = new FakeKubeWatch(type, ns, labels, fields, bookmarks);
            if (string.IsNullOrEmpty(fromVersion) || fromVersion == "0")
            {
                foreach (var stored in Table(type).Items.Values.Where(o => watch.Wants(type, o)))
                {
                    watch.Send("ADDED", stored.Json);
                }
            }
            else
            {
                var from = ParseVersion(fromVersion);
                if (from < compactedBefore)
                {
                    watch.Send("ERROR", JsonSerializer.SerializeToUtf8Bytes(KubeStatus.Failure(410, "Expired", $"too old resource version: {from} ({compactedBefore})")));
                    watch.End();
                    return watch;
                }

                for (var i = FirstAfter(from); i < log.Count; i++)
                {
                    if (watch.Wants(log[i].Type, log[i].Object))
                    {
                        watch.Send(log[i].EventType, log[i].Object.Json);
                    }
                }
            }

            watches.Add(watch);
            return watch;
        }
    }

    public void CloseWatch(FakeKubeWatch watch)
    {
        lock (gate)
        {
            watches.Remove(watch);
            watch.End();
        }
    }

    /// <summary>Ends every open watch stream after what is already queued on it.</summary>
    public void EndWatches()
    {
        lock (gate)
        {
            foreach (var watch in watches)
            {
                watch.End();
            }

            watches.Clear();
        }
    }

    /// <summary>Sends a BOOKMARK with the current resourceVersion to every open watch that asked for bookmarks; how many got one.</summary>
    public int SendBookmarks()
    {
        lock (gate)
        {
            var sent = 0;
            foreach (var watch in watches.Where(w => w.Bookmarks))
            {
                watch.Send("BOOKMARK", JsonSerializer.SerializeToUtf8Bytes(new JsonObject
                {
                    ["kind"] = watch.Type.Kind,
                    ["apiVersion"] = watch.Type.ApiVersion,
                    ["metadata"] = new JsonObject { ["resourceVersion"] = Format(resourceVersion) },
                }));
                sent++;
            }

            return sent;
        }
    }

    /// <summary>From now on a watch or a continued list from a version before <paramref name="version"/> gets 410 Expired.</summary>
    public void ExpireBefore(string version)
    {
        lock (gate)
        {
            compactedBefore = ParseVersion(version);
        }
    }

    /// <summary>A type's schema check (<see cref="FakeKubeResource.Validate"/>), answered 422 Invalid as the API server answers a CRD's.</summary>
    private static void Validate(FakeKubeResource type, JsonObject obj, string name)
    {
        if (type.Validate?.Invoke(obj) is { Count: > 0 } problems)
        {
            throw FakeKubeStatusException.Invalid($"{type.Kind}.{type.Group} \"{name}\" is invalid: {string.Join(", ", problems)}");
        }
    }

    public static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject meta)
        {
            return meta;
        }

        meta = [];
        obj["metadata"] = meta;
        return meta;
    }

    public static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static long ParseVersion(string version) =>
        long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw FakeKubeStatusException.BadRequest($"invalid resource version \"{version}\"");

    private static string Format(long version) => version.ToString(CultureInfo.InvariantCulture);

    private static string Key(FakeKubeResource type, string? ns, string name) => type.Namespaced ? $"{ns}/{name}" : name;

    private static string Suffix(int n)
    {
        var chars = new char[5];
        for (var i = chars.Length - 1; i >= 0; i--)
        {
            chars[i] = NameAlphabet[n % NameAlphabet.Length];
            n /= NameAlphabet.Length;
        }

        return new string(chars);
    }

    private static string EncodeContinue(long version, string lastKey) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Format(version)}\n{lastKey}"));

    private static (long Version, string After) DecodeContinue(string token)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split('\n', 2);
            return (ParseVersion(parts[0]), parts[1]);
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or FakeKubeStatusException)
        {
            throw FakeKubeStatusException.BadRequest($"invalid continue token \"{token}\"");
        }
    }

    private ObjectTable Table(FakeKubeResource type)
    {
        if (!objects.TryGetValue(type, out var table))
        {
            table = new ObjectTable();
            objects[type] = table;
        }

        return table;
    }

    private void Emit(FakeKubeResource type, string key, string eventType, StoredObject stored)
    {
        log.Add(new LogEntry(resourceVersion, type, key, eventType, stored));
        foreach (var watch in watches.Where(w => w.Wants(type, stored)))
        {
            watch.Send(eventType, stored.Json);
        }
    }

    private sealed record LogEntry(long Version, FakeKubeResource Type, string Key, string EventType, StoredObject Object);
}

/// <summary>One page of a list: items as stored (JSON), the list's resourceVersion, the continue token when more remain.</summary>
internal sealed record ListPage(IReadOnlyList<byte[]> Items, string ResourceVersion, string? Continue, int? Remaining);
