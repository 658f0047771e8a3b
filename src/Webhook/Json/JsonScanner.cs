using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace DeadlineGuard.Json;

/// <summary>
/// Reads a JSON text once, token by token, and in that one pass: checks it is JSON (UTF-8, syntax, depth),
/// refuses a key repeated in any object and a lone UTF-16 surrogate escape in any string or key, and records
/// where the values at the asked-for paths lie (<see cref="JsonPathSet"/>). Nothing is built for the rest of the
/// text: no document, no tree, no copy of a name except an escaped one.
/// </summary>
/// <remarks>
/// Repeated keys cost one comparison per key when an object's keys come in ascending byte order, as Go's
/// encoding/json writes map keys and so as the API server writes a custom resource; other objects compare each
/// key with the earlier ones while small, and keep a set once large.
/// </remarks>
public static class JsonScanner
{
    /// <summary>Objects with keys out of order are checked pairwise up to this many keys, then with a set.</summary>
    private const int PairwiseLimit = 32;

    /// <summary>
    /// Members recorded per object whose members are asked for; a larger one (a client can send 300,000
    /// annotations) is searched in its bytes when a member is looked up, so that a scan's memory stays small.
    /// </summary>
    internal const int MaxMembers = 256;

    private struct Frame
    {
        public bool IsObject;
        public JsonPathSet.Node? Node;
        public int Slot;
        public int Member;
        public JsonPathSet.Node? Pending;
        public bool PendingMember;
        public int PendingNameStart;
        public int PendingNameLength;
        public bool PendingNameCopied;
        public int NamesFrom;
        public int MemberCount;
        public bool Ascending;
        public HashSet<string>? Seen;
    }

    /// <summary>Scans <paramref name="text"/> (copied into pooled memory that the result returns when disposed).</summary>
    public static JsonScan? Scan(ReadOnlySequence<byte> text, JsonPathSet paths, int maxDepth, out JsonProblem? problem)
    {
        var length = checked((int)text.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        text.CopyTo(buffer);
        var scan = Scan(buffer.AsMemory(0, length), paths, maxDepth, out problem, buffer);
        if (scan is null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return scan;
    }

    /// <summary>Scans <paramref name="text"/> in place: it must stay unchanged while the result is in use.</summary>
    public static JsonScan? Scan(ReadOnlyMemory<byte> text, JsonPathSet paths, int maxDepth, out JsonProblem? problem) =>
        Scan(text, paths, maxDepth, out problem, rented: null);

    private static JsonScan? Scan(ReadOnlyMemory<byte> memory, JsonPathSet paths, int maxDepth, out JsonProblem? problem, byte[]? rented)
    {
        var text = memory.Span;

        // The reader checks the structure but not the bytes inside strings, which would then fail far from here.
        if (!Utf8.IsValid(text))
        {
            problem = new JsonProblem(JsonProblemKind.Syntax, "it is not valid UTF-8");
            return null;
        }

        var slots = new JsonSlot[paths.SlotCount];
        var members = new List<JsonMember>();
        var overflowing = new List<int>();
        var copiedNames = new ArrayBufferWriter<byte>(64);
        var names = new List<(int Start, int Length, bool Copied)>(64);
        var frames = new Frame[16]; // grown as the text nests deeper
        var depth = 0;
        frames[0] = new Frame { Node = paths.Root, Slot = -1, Member = -1, IsObject = false };

        // Canonical readiness of the one tracked slot being read (paths to track are never nested in one another).
        var canonicalSlot = -1;
        var canonicalDepth = 0;
        var canonicalReady = false;
        var lastEnd = 0;
        var lastToken = JsonTokenType.None;

        var reader = new Utf8JsonReader(text, new JsonReaderOptions { MaxDepth = maxDepth });
        try
        {
            while (reader.Read())
            {
                var token = reader.TokenType;
                var start = (int)reader.TokenStartIndex;
                var raw = reader.ValueSpan;
                if (canonicalSlot >= 0)
                {
                    // Compact: each token right after the one before, with only the separator JSON needs between them.
                    var gap = lastToken switch
                    {
                        JsonTokenType.PropertyName => 1,
                        JsonTokenType.StartObject or JsonTokenType.StartArray => 0,
                        _ => token is JsonTokenType.EndObject or JsonTokenType.EndArray ? 0 : 1,
                    };
                    canonicalReady &= start - lastEnd == gap;
                    lastToken = token;
                    lastEnd = start + raw.Length + (token is JsonTokenType.PropertyName or JsonTokenType.String ? 2 : 0);
                }

                switch (token)
                {
                    case JsonTokenType.PropertyName:
                        {
                            ref var frame = ref frames[depth];
                            int nameStart;
                            bool copied;
                            ReadOnlySpan<byte> name;
                            if (reader.ValueIsEscaped)
                            {
                                if (JsonProblemFinder.LoneSurrogate(raw) is not null)
                                {
                                    problem = JsonProblemFinder.Find(text, maxDepth) ?? new JsonProblem(JsonProblemKind.LoneSurrogate, "lone surrogate escape in a key");
                                    return null;
                                }

                                nameStart = copiedNames.WrittenCount;
                                var written = reader.CopyString(copiedNames.GetSpan(raw.Length));
                                copiedNames.Advance(written);
                                name = copiedNames.WrittenSpan.Slice(nameStart, written);
                                copied = true;
                                canonicalReady = false;
                            }
                            else
                            {
                                nameStart = start + 1;
                                name = raw;
                                copied = false;
                                canonicalReady &= canonicalSlot < 0 || Plain(raw);
                            }

                            if (Repeated(ref frame, names, name, text, copiedNames.WrittenSpan))
                            {
                                problem = JsonProblemFinder.Find(text, maxDepth) ?? new JsonProblem(JsonProblemKind.DuplicateKey, "duplicate key");
                                return null;
                            }

                            canonicalReady &= frame.Ascending;
                            names.Add((nameStart, name.Length, copied));
                            frame.Pending = frame.Node?.Find(name);
                            frame.PendingMember = frame.Node is { MembersOf: >= 0 } && ++frame.MemberCount <= MaxMembers;
                            if (frame.MemberCount == MaxMembers + 1)
                            {
                                overflowing.Add(frame.Node!.MembersOf);
                            }

                            frame.PendingNameStart = nameStart;
                            frame.PendingNameLength = name.Length;
                            frame.PendingNameCopied = copied;
                            break;
                        }

                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        {
                            var isObject = token == JsonTokenType.StartObject;
                            var (slot, member, node) = Begin(ref frames[depth], depth, start, isObject ? JsonValueKind.Object : JsonValueKind.Array, slots, members);
                            depth++;
                            if (depth == frames.Length)
                            {
                                Array.Resize(ref frames, frames.Length * 2);
                            }

                            frames[depth] = new Frame
                            {
                                IsObject = isObject,
                                Node = isObject ? node : null,
                                Slot = slot,
                                Member = member,
                                NamesFrom = names.Count,
                                Ascending = true,
                            };
                            if (node is { Canonical: true, Slot: >= 0 } && canonicalSlot < 0)
                            {
                                canonicalSlot = node.Slot;
                                canonicalDepth = depth;
                                canonicalReady = true;
                                lastToken = token;
                                lastEnd = start + 1;
                            }

                            break;
                        }

                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        {
                            ref var frame = ref frames[depth];
                            var end = (int)reader.BytesConsumed;
                            if (frame.Slot >= 0)
                            {
                                slots[frame.Slot] = slots[frame.Slot] with { End = end };
                            }

                            if (frame.Member >= 0)
                            {
                                members[frame.Member] = members[frame.Member] with { Value = members[frame.Member].Value with { End = end } };
                            }

                            if (canonicalSlot >= 0 && depth == canonicalDepth)
                            {
                                slots[canonicalSlot] = slots[canonicalSlot] with { CanonicalReady = canonicalReady };
                                canonicalSlot = -1;
                            }

                            if (frame.IsObject)
                            {
                                CollectionsMarshal.SetCount(names, frame.NamesFrom);
                            }

                            depth--;
                            break;
                        }

                    default:
                        {
                            var kind = token switch
                            {
                                JsonTokenType.String => JsonValueKind.String,
                                JsonTokenType.Number => JsonValueKind.Number,
                                JsonTokenType.True => JsonValueKind.True,
                                JsonTokenType.False => JsonValueKind.False,
                                _ => JsonValueKind.Null,
                            };
                            var plain = true;
                            if (kind == JsonValueKind.String)
                            {
                                if (reader.ValueIsEscaped)
                                {
                                    if (JsonProblemFinder.LoneSurrogate(raw) is not null)
                                    {
                                        problem = JsonProblemFinder.Find(text, maxDepth) ?? new JsonProblem(JsonProblemKind.LoneSurrogate, "lone surrogate escape in a string");
                                        return null;
                                    }

                                    plain = false;
                                }
                                else
                                {
                                    plain = Plain(raw);
                                }

                                canonicalReady &= plain;
                            }

                            var (slot, member, node) = Begin(ref frames[depth], depth, start, kind, slots, members);
                            var end = (int)reader.BytesConsumed;
                            if (slot >= 0)
                            {
                                slots[slot] = slots[slot] with { End = end, CanonicalReady = node!.Canonical && plain };
                            }

                            if (member >= 0)
                            {
                                members[member] = members[member] with { Value = members[member].Value with { End = end } };
                            }

                            break;
                        }
                }
            }
        }
        catch (JsonException e)
        {
            problem = new JsonProblem(JsonProblemKind.Syntax, JsonProblem.FirstLine(e.Message));
            return null;
        }

        problem = null;
        return new JsonScan(memory, slots, members, overflowing, copiedNames.WrittenSpan.ToArray(), rented);
    }

    /// <summary>The slot and member a value starting here fills, and the path node it is at.</summary>
    private static (int Slot, int Member, JsonPathSet.Node? Node) Begin(ref Frame parent, int depth, int start, JsonValueKind kind, JsonSlot[] slots, List<JsonMember> members)
    {
        if (parent.Pending is null && !parent.PendingMember && depth > 0)
        {
            return (-1, -1, null); // off every path: most of the text
        }

        JsonPathSet.Node? node;
        var member = -1;
        if (depth == 0)
        {
            node = parent.Node; // the root value itself
        }
        else if (parent.IsObject)
        {
            node = parent.Pending;
            if (parent.PendingMember)
            {
                members.Add(new JsonMember(parent.Node!.MembersOf, parent.PendingNameStart, parent.PendingNameLength, parent.PendingNameCopied, new JsonSlot(start, 0, kind, false)));
                member = members.Count - 1;
            }

            parent.Pending = null;
            parent.PendingMember = false;
        }
        else
        {
            node = null; // paths do not go through lists
        }

        var slot = node?.Slot ?? -1;
        if (slot >= 0)
        {
            slots[slot] = new JsonSlot(start, 0, kind, false);
        }

        return (slot, member, node);
    }

    /// <summary>Whether <paramref name="name"/> repeats a key already seen in the object of <paramref name="frame"/>.</summary>
    private static bool Repeated(ref Frame frame, List<(int Start, int Length, bool Copied)> names, ReadOnlySpan<byte> name, ReadOnlySpan<byte> text, ReadOnlySpan<byte> copied)
    {
        var count = names.Count - frame.NamesFrom;
        if (count == 0)
        {
            return false;
        }

        if (frame.Ascending && name.SequenceCompareTo(NameAt(names[^1], text, copied)) > 0)
        {
            return false;
        }

        frame.Ascending = false;
        if (frame.Seen is null && count <= PairwiseLimit)
        {
            for (var i = frame.NamesFrom; i < names.Count; i++)
            {
                if (name.SequenceEqual(NameAt(names[i], text, copied)))
                {
                    return true;
                }
            }

            return false;
        }

        if (frame.Seen is null)
        {
            frame.Seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = frame.NamesFrom; i < names.Count; i++)
            {
                frame.Seen.Add(Encoding.UTF8.GetString(NameAt(names[i], text, copied)));
            }
        }

        return !frame.Seen.Add(Encoding.UTF8.GetString(name));
    }

    private static ReadOnlySpan<byte> NameAt((int Start, int Length, bool Copied) name, ReadOnlySpan<byte> text, ReadOnlySpan<byte> copied) =>
        name.Copied ? copied.Slice(name.Start, name.Length) : text.Slice(name.Start, name.Length);

    /// <summary>
    /// Raw text the canonical writer would write unchanged: printable ASCII only (it escapes control characters,
    /// DEL and everything JSON requires; an unescaped raw string holds none of the latter).
    /// </summary>
    private static bool Plain(ReadOnlySpan<byte> raw) => !raw.ContainsAnyExceptInRange((byte)0x20, (byte)0x7E);
}
