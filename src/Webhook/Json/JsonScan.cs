using System.Text;
using System.Text.Json;

namespace DeadlineGuard.Json;

/// <summary>
/// What a <see cref="JsonScanner"/> found in a JSON text: where the asked-for values lie, and the members of the
/// objects asked for. Values are read on demand, each parsed alone from its bytes (a few bytes for a field, the
/// pod template when a revision starts); those small documents are kept here until <see cref="Dispose"/>, as
/// the text itself must be (when the scanner copied it into pooled memory, disposing returns that too).
/// </summary>
public sealed class JsonScan : IDisposable
{
    private readonly byte[] _names;
    private readonly List<JsonDocument> _documents = [];
    private readonly List<byte[]> _extraNames = [];
    private byte[]? _rented;
    private JsonElement?[]? _elements;
    private JsonElement?[]? _memberElements;

    private readonly List<JsonMember> _members;
    private readonly List<int> _overflowing;

    internal JsonScan(ReadOnlyMemory<byte> text, JsonSlot[] slots, List<JsonMember> members, List<int> overflowing, byte[] names, byte[]? rented)
    {
        _rented = rented;
        _members = members;
        _overflowing = overflowing;
        Text = text;
        Slots = slots;
        _names = names;
    }

    /// <summary>The scanned text.</summary>
    public ReadOnlyMemory<byte> Text { get; }

    public IReadOnlyList<JsonSlot> Slots { get; }

    public IReadOnlyList<JsonMember> Members => _members;

    public ReadOnlySpan<byte> Raw(JsonSlot slot) => slot.IsPresent ? Text.Span[slot.Start..slot.End] : default;

    /// <summary>The unescaped name of a member, as UTF-8.</summary>
    public ReadOnlySpan<byte> Name(JsonMember member) =>
        !member.NameCopied ? Text.Span.Slice(member.NameStart, member.NameLength)
        : member.NameStart >= 0 ? _names.AsSpan(member.NameStart, member.NameLength)
        : _extraNames[-member.NameStart - 1];

    /// <summary>The value in a slot as an element (undefined when absent), parsed once from its bytes.</summary>
    public JsonElement Element(int slot)
    {
        _elements ??= new JsonElement?[Slots.Count];
        return _elements[slot] ??= Parse(Slots[slot]);
    }

    /// <summary>A member's value as an element, parsed once from its bytes.</summary>
    public JsonElement MemberValue(int member)
    {
        if (_memberElements is null || _memberElements.Length < _members.Count)
        {
            Array.Resize(ref _memberElements, _members.Count);
        }

        return _memberElements[member] ??= Parse(_members[member].Value);
    }

    /// <summary>The member of object <paramref name="owner"/> named <paramref name="name"/>, or -1.</summary>
    public int FindMember(int owner, string name)
    {
        Span<byte> utf8 = stackalloc byte[256];
        var wanted = Encoding.UTF8.GetMaxByteCount(name.Length) <= utf8.Length ? utf8[..Encoding.UTF8.GetBytes(name, utf8)] : Encoding.UTF8.GetBytes(name);
        for (var i = 0; i < _members.Count; i++)
        {
            if (_members[i].Owner == owner && Name(_members[i]).SequenceEqual(wanted))
            {
                return i;
            }
        }

        return _overflowing.Contains(owner) ? Search(owner, wanted) : -1;
    }

    /// <summary>Looks for a member past the recorded ones in the object's bytes; a member found is recorded.</summary>
    private int Search(int owner, ReadOnlySpan<byte> wanted)
    {
        var slot = Slots[owner];
        var reader = new Utf8JsonReader(Text.Span[slot.Start..slot.End]);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var nameStart = slot.Start + (int)reader.TokenStartIndex + 1;
            var found = reader.ValueTextEquals(wanted);
            var escaped = reader.ValueIsEscaped;
            var nameLength = reader.ValueSpan.Length;
            reader.Read();
            var valueStart = slot.Start + (int)reader.TokenStartIndex;
            var kind = reader.TokenType switch
            {
                JsonTokenType.StartObject => JsonValueKind.Object,
                JsonTokenType.StartArray => JsonValueKind.Array,
                JsonTokenType.String => JsonValueKind.String,
                JsonTokenType.Number => JsonValueKind.Number,
                JsonTokenType.True => JsonValueKind.True,
                JsonTokenType.False => JsonValueKind.False,
                _ => JsonValueKind.Null,
            };
            reader.Skip();
            if (found && !escaped)
            {
                _members.Add(new JsonMember(owner, nameStart, nameLength, false, new JsonSlot(valueStart, slot.Start + (int)reader.BytesConsumed, kind, false)));
                return _members.Count - 1;
            }

            if (found)
            {
                // An escaped name: keep an unescaped copy with the recorded member.
                var copy = wanted.ToArray();
                _extraNames.Add(copy);
                _members.Add(new JsonMember(owner, -_extraNames.Count, copy.Length, true, new JsonSlot(valueStart, slot.Start + (int)reader.BytesConsumed, kind, false)));
                return _members.Count - 1;
            }
        }

        return -1;
    }

    /// <summary>A string slot's value (unescaped); null when absent or not a string.</summary>
    public string? GetString(JsonSlot slot)
    {
        if (slot.Kind != JsonValueKind.String)
        {
            return null;
        }

        var inner = Text.Span[(slot.Start + 1)..(slot.End - 1)];
        if (!inner.Contains((byte)'\\'))
        {
            return Encoding.UTF8.GetString(inner);
        }

        var reader = new Utf8JsonReader(Text.Span[slot.Start..slot.End]);
        reader.Read();
        return reader.GetString();
    }

    /// <summary>Whether a string slot's value equals <paramref name="utf8"/>, without building a string.</summary>
    public bool StringEquals(JsonSlot slot, ReadOnlySpan<byte> utf8)
    {
        if (slot.Kind != JsonValueKind.String)
        {
            return false;
        }

        var inner = Text.Span[(slot.Start + 1)..(slot.End - 1)];
        if (!inner.Contains((byte)'\\'))
        {
            return inner.SequenceEqual(utf8);
        }

        var reader = new Utf8JsonReader(Text.Span[slot.Start..slot.End]);
        reader.Read();
        return reader.ValueTextEquals(utf8);
    }

    private JsonElement Parse(JsonSlot slot)
    {
        if (!slot.IsPresent)
        {
            return default;
        }

        var document = JsonDocument.Parse(Text.Slice(slot.Start, slot.Length));
        _documents.Add(document);
        return document.RootElement;
    }

    public void Dispose()
    {
        foreach (var document in _documents)
        {
            document.Dispose();
        }

        _documents.Clear();
        _elements = null;
        _memberElements = null;
        if (_rented is { } rented)
        {
            _rented = null;
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
