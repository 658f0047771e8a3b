using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace DeadlineGuard.Tests.Support.FakeKube;

/// <summary>
/// The fake API server's state: objects per resource type, one global resourceVersion counter, the log of every
/// change (so a watch can resume from any version not yet "compacted") and the open watch streams.
/// Every method runs under one lock, so a write, its log entry and its delivery to open watches happen together:
/// a watch opened at version N sees exactly the changes after N, each once, in order.
/// </summary>
internal sealed class FakeKubeStore(TimeProvider time)
{
    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    private readonly Lock gate = new();
    private readonly List<FakeKubeResource> types = [.. FakeKubeResource.Defaults];
    private readonly Dictionary<FakeKubeResource, SortedDictionary<string, JsonObject>> objects = [];
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
            return Table(type).TryGetValue(Key(type, ns, name), out var obj) ? (JsonObject)obj.DeepClone() : null;
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
    /// ErrCompacted is, and the client must list again from the start.
    /// </summary>
    public ListPage List(FakeKubeResource type, string? ns, LabelSelector labels, FieldSelector fields, int? limit, string? continueToken)
    {
        lock (gate)
        {
            var listVersion = resourceVersion;
            var after = string.Empty;
            IEnumerable<KeyValuePair<string, JsonObject>> state = Table(type);
            if (!string.IsNullOrEmpty(continueToken))
            {
                (listVersion, after) = DecodeContinue(continueToken);
                if (listVersion < compactedBefore)
                {
                    throw FakeKubeStatusException.Expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");
                }

                state = StateAt(type, listVersion);
            }

            var matching = state
                .Where(pair => string.CompareOrdinal(pair.Key, after) > 0 && Matches(type, ns, labels, fields, pair.Value))
                .ToList();
            var page = limit is > 0 ? matching.Take(limit.Value).ToList() : matching;
            var more = page.Count < matching.Count;
            return new ListPage(
                [.. page.Select(pair => (JsonObject)pair.Value.DeepClone())],
                Format(listVersion),
                more ? EncodeContinue(listVersion, page[^1].Key) : null,
                matching.Count - page.Count);
        }
    }

    /// <summary>The objects of a type as they were at <paramref name="version"/>, replayed from the change log.</summary>
    private SortedDictionary<string, JsonObject> StateAt(FakeKubeResource type, long version)
    {
        var state = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var entry in log.Where(e => e.Type == type && e.Version <= version))
        {
            var key = Key(type, entry.Namespace, Text(entry.Object["metadata"]?["name"]) ?? string.Empty);
            if (entry.EventType == "DELETED")
            {
                state.Remove(key);
            }
            else
            {
                state[key] = entry.Object;
            }
        }

        return state;
    }

    /// <summary>
    /// Stores a new object: the name (or generateName plus a suffix), and for namespaced types the namespace, must
    /// be set. uid and creationTimestamp are filled in when missing; resourceVersion is the next global one.
    /// </summary>
    public JsonObject Create(FakeKubeResource type, JsonObject obj)
    {
        lock (gate)
        {
            var stored = (JsonObject)obj.DeepClone();
            var meta = Metadata(stored);
            var ns = type.Namespaced ? Text(meta["namespace"]) ?? throw new ArgumentException("a namespaced object needs metadata.namespace", nameof(obj)) : null;
            var name = Text(meta["name"]);
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
                while (Table(type).ContainsKey(Key(type, ns, name)));

                meta["name"] = name;
            }

            var key = Key(type, ns, name);
            if (Table(type).ContainsKey(key))
            {
                throw FakeKubeStatusException.AlreadyExists(type, name);
            }

            stored["apiVersion"] ??= type.ApiVersion;
            stored["kind"] ??= type.Kind;
            Validate(type, stored, name);
            meta["uid"] ??= Guid.NewGuid().ToString();
            meta["creationTimestamp"] ??= time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            meta["resourceVersion"] = Format(++resourceVersion);
            Table(type)[key] = stored;
            Emit(type, ns, "ADDED", stored);
            return (JsonObject)stored.DeepClone();
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
            if (!Table(type).TryGetValue(key, out var current))
            {
                throw FakeKubeStatusException.NotFound(type, name);
            }

            var next = (JsonObject)compute((JsonObject)current.DeepClone()).DeepClone();
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
                return (JsonObject)current.DeepClone();
            }

            Validate(type, next, name);

            meta["resourceVersion"] = Format(++resourceVersion);
            Table(type)[key] = next;
            Emit(type, ns, "MODIFIED", next);
            return (JsonObject)next.DeepClone();
        }
    }

    /// <summary>Removes an object; the DELETED event carries it with the deletion's resourceVersion.</summary>
    public JsonObject? Delete(FakeKubeResource type, string? ns, string name)
    {
        lock (gate)
        {
            var key = Key(type, ns, name);
            if (!Table(type).Remove(key, out var removed))
            {
                return null;
            }

            Metadata(removed)["resourceVersion"] = Format(++resourceVersion);
            Emit(type, ns, "DELETED", removed);
            return (JsonObject)removed.DeepClone();
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
                foreach (var obj in Table(type).Values.Where(o => Matches(type, ns, labels, fields, o)))
                {
                    watch.Send("ADDED", obj);
                }
            }
            else
            {
                var from = ParseVersion(fromVersion);
                if (from < compactedBefore)
                {
                    watch.Send("ERROR", KubeStatus.Failure(410, "Expired", $"too old resource version: {from} ({compactedBefore})"));
                    watch.End();
                    return watch;
                }

                foreach (var entry in log.Where(e => e.Version > from && Matches(type, ns, labels, fields, e.Object, e.Type, e.Namespace)))
                {
                    watch.Send(entry.EventType, entry.Object);
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

    /// <summary>Sends a BOOKMARK with the current resourceVersion to every open watch that asked for bookmarks.</summary>
    public void SendBookmarks()
    {
        lock (gate)
        {
            foreach (var watch in watches.Where(w => w.Bookmarks))
            {
                watch.Send("BOOKMARK", new JsonObject
                {
                    ["kind"] = watch.Type.Kind,
                    ["apiVersion"] = watch.Type.ApiVersion,
                    ["metadata"] = new JsonObject { ["resourceVersion"] = Format(resourceVersion) },
                });
            }
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

    private static bool Matches(FakeKubeResource type, string? ns, LabelSelector labels, FieldSelector fields, JsonObject obj, FakeKubeResource? entryType = null, string? entryNamespace = null) =>
        (entryType is null || entryType == type)
        && (ns is null || (entryNamespace ?? Text(obj["metadata"]?["namespace"])) == ns)
        && labels.Matches(obj)
        && fields.Matches(obj);

    private SortedDictionary<string, JsonObject> Table(FakeKubeResource type)
    {
        if (!objects.TryGetValue(type, out var table))
        {
            table = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            objects[type] = table;
        }

        return table;
    }

    private void Emit(FakeKubeResource type, string? ns, string eventType, JsonObject obj)
    {
        var entry = new LogEntry(resourceVersion, type, ns, eventType, (JsonObject)obj.DeepClone());
        log.Add(entry);
        foreach (var watch in watches.Where(w => Matches(w.Type, w.Namespace, w.Labels, w.Fields, entry.Object, type, ns)))
        {
            watch.Send(eventType, entry.Object);
        }
    }

    private sealed record LogEntry(long Version, FakeKubeResource Type, string? Namespace, string EventType, JsonObject Object);
}

/// <summary>One page of a list: items, the list's resourceVersion, the continue token when more remain.</summary>
internal sealed record ListPage(IReadOnlyList<JsonObject> Items, string ResourceVersion, string? Continue, int Remaining);

/// <summary>One open watch stream: a queue of ready event lines, written to the response as they come.</summary>
internal sealed class FakeKubeWatch(FakeKubeResource type, string? ns, LabelSelector labels, FieldSelector fields, bool bookmarks)
{
    private readonly Channel<string> lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public FakeKubeResource Type { get; } = type;

    public string? Namespace { get; } = ns;

    public LabelSelector Labels { get; } = labels;

    public FieldSelector Fields { get; } = fields;

    public bool Bookmarks { get; } = bookmarks;

    public ChannelReader<string> Lines => lines.Reader;

    public void Send(string eventType, JsonObject obj) =>
        lines.Writer.TryWrite(new JsonObject { ["type"] = eventType, ["object"] = obj.DeepClone() }.ToJsonString());

    public void End() => lines.Writer.TryComplete();
}
