using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// The revision fingerprint of DESIGN.md §4 (the first 16 hex digits of SHA-256 over the canonical JSON: keys sorted,
/// no white space) computed from a <see cref="Utf8JsonReader"/> as the Rollout is decoded, without a JsonNode or
/// JsonDocument: the value's tokens are read once into a reused table, then written sorted through the same writer
/// settings as <see cref="DeadlineGuard.Json.CanonicalJson"/>. The bytes hashed are the bytes
/// <c>RevisionDetector.Fingerprint(JsonObject)</c> hashes (tests compare them on realistic and random Rollouts):
/// strings are unescaped and re-escaped by the writer's encoder, numbers keep their text (1.50 stays 1.50), and
/// object keys sort as .NET strings do (ordinal UTF-16).
/// </summary>
public static class TemplateFingerprint
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    /// <summary>The fingerprint of JSON null: a Rollout with neither template nor workloadRef.</summary>
    public static ulong OfNull { get; } = Hash("null"u8);

    [ThreadStatic]
    private static Scratch? t_scratch;

    /// <summary>The fingerprint as the webhook writes it: 16 lower-case hex digits.</summary>
    public static string Format(ulong fingerprint) => fingerprint.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>
    /// The fingerprint of the value whose first token the reader is on; the reader is left on its last token. A
    /// duplicate key anywhere in the value sets <paramref name="duplicateKey"/> (its hash is then meaningless).
    /// </summary>
    public static ulong Of(ref Utf8JsonReader reader, out string? duplicateKey)
    {
        var scratch = t_scratch ??= new Scratch();
        scratch.Tokenize(ref reader);
        return Hash(scratch.Canonical(out duplicateKey));
    }

    /// <summary>
    /// The canonical bytes of the value whose first token the reader is on (for a workloadRef, hashed later with the
    /// workload generation by <see cref="OfWorkload"/>); the reader is left on its last token.
    /// </summary>
    public static byte[] CanonicalBytes(ref Utf8JsonReader reader, out string? duplicateKey)
    {
        var scratch = t_scratch ??= new Scratch();
        scratch.Tokenize(ref reader);
        return scratch.Canonical(out duplicateKey).ToArray();
    }

    /// <summary>
    /// A workloadRef Rollout's fingerprint: the canonical form of <c>{"workloadRef": ..., "generation": ...}</c>
    /// (RevisionDetector.Fingerprint), from the workloadRef's canonical bytes and the
    /// <c>rollout.argoproj.io/workload-generation</c> annotation (null when absent or not a string).
    /// </summary>
    public static ulong OfWorkload(ReadOnlySpan<byte> workloadRefCanonical, string? generation)
    {
        var buffer = new ArrayBufferWriter<byte>(workloadRefCanonical.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            // Keys sorted: "generation" < "workloadRef".
            writer.WriteStartObject();
            if (generation is null)
            {
                writer.WriteNull("generation");
            }
            else
            {
                writer.WriteString("generation", generation);
            }

            writer.WritePropertyName("workloadRef");
            writer.WriteRawValue(workloadRefCanonical, skipInputValidation: true);
            writer.WriteEndObject();
        }

        return Hash(buffer.WrittenSpan);
    }

    private static ulong Hash(ReadOnlySpan<byte> canonical)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(canonical, hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }

    /// <summary>
    /// Ordinal comparison of two UTF-8 texts as the UTF-16 strings they encode compare (string.CompareOrdinal). UTF-8
    /// byte order is code point order, which differs from UTF-16 unit order only between a supplementary character
    /// (surrogates, D800-DFFF) and one in E000-FFFF: the first differing bytes are then lead bytes F0-F4 and EE/EF.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int CompareOrdinalUtf16(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var common = a.CommonPrefixLength(b);
        if (common == a.Length || common == b.Length)
        {
            return a.Length.CompareTo(b.Length);
        }

        var x = a[common];
        var y = b[common];
        if (x >= 0xF0 && y is 0xEE or 0xEF)
        {
            return -1;
        }

        if (y >= 0xF0 && x is 0xEE or 0xEF)
        {
            return 1;
        }

        return x.CompareTo(y);
    }

    private struct Token
    {
        public JsonTokenType Kind;
        public int Offset;
        public int Length;
        public int End; // for StartObject/StartArray: the index of the matching end token
    }

    /// <summary>Per-thread reused buffers: tokens, their unescaped bytes, member lists and the writer.</summary>
    private sealed class Scratch : IDisposable
    {
        private readonly ArrayBufferWriter<byte> _output = new(8 * 1024);
        private readonly Utf8JsonWriter _writer;
        private Token[] _tokens = new Token[512];
        private byte[] _bytes = new byte[16 * 1024];
        private int[] _members = new int[256];
        private int[] _open = new int[64];
        private int _count;
        private int _used;
        private int _membersUsed;
        private string? _duplicate;

        public Scratch() => _writer = new Utf8JsonWriter(_output, WriterOptions);

        public void Dispose() => _writer.Dispose();

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Tokenize(ref Utf8JsonReader reader)
        {
            _count = 0;
            _used = 0;
            var depth = 0;
            do
            {
                var index = Add(ref reader);
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        if (depth == _open.Length)
                        {
                            Array.Resize(ref _open, depth * 2);
                        }

                        _open[depth++] = index;
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        _tokens[_open[--depth]].End = index;
                        break;
                }
            }
            while (depth > 0 && (reader.Read() ? true : throw IncompleteJsonException.Instance));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public ReadOnlySpan<byte> Canonical(out string? duplicateKey)
        {
            _output.ResetWrittenCount();
            _writer.Reset(_output);
            _membersUsed = 0;
            _duplicate = null;
            Write(0);
            _writer.Flush();
            duplicateKey = _duplicate;
            return _output.WrittenSpan;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private int Add(ref Utf8JsonReader reader)
        {
            if (_count == _tokens.Length)
            {
                Array.Resize(ref _tokens, _count * 2);
            }

            ref var token = ref _tokens[_count];
            token.Kind = reader.TokenType;
            token.Offset = _used;
            token.Length = 0;
            token.End = 0;
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName or JsonTokenType.Number)
            {
                var raw = reader.ValueSpan;
                Reserve(raw.Length);
                token.Length = reader.ValueIsEscaped ? reader.CopyString(_bytes.AsSpan(_used)) : Copy(raw);
                _used += token.Length;
            }

            return _count++;
        }

        private int Copy(ReadOnlySpan<byte> raw)
        {
            raw.CopyTo(_bytes.AsSpan(_used));
            return raw.Length;
        }

        private void Reserve(int length)
        {
            if (_used + length > _bytes.Length)
            {
                Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _used + length));
            }
        }

        private ReadOnlySpan<byte> Text(int index) => _bytes.AsSpan(_tokens[index].Offset, _tokens[index].Length);

        private int Next(int index) => _tokens[index].Kind is JsonTokenType.StartObject or JsonTokenType.StartArray ? _tokens[index].End + 1 : index + 1;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Write(int index)
        {
            switch (_tokens[index].Kind)
            {
                case JsonTokenType.StartObject:
                    WriteObject(index);
                    break;
                case JsonTokenType.StartArray:
                    _writer.WriteStartArray();
                    for (var item = index + 1; _tokens[item].Kind != JsonTokenType.EndArray; item = Next(item))
                    {
                        Write(item);
                    }

                    _writer.WriteEndArray();
                    break;
                case JsonTokenType.String:
                    _writer.WriteStringValue(Text(index));
                    break;
                case JsonTokenType.Number:
                    _writer.WriteRawValue(Text(index), skipInputValidation: true);
                    break;
                case JsonTokenType.True:
                    _writer.WriteBooleanValue(true);
                    break;
                case JsonTokenType.False:
                    _writer.WriteBooleanValue(false);
                    break;
                default:
                    _writer.WriteNullValue();
                    break;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void WriteObject(int index)
        {
            // The member names' token indices go on a shared stack, sorted in place, popped when the object is done.
            var start = _membersUsed;
            for (var name = index + 1; _tokens[name].Kind != JsonTokenType.EndObject; name = Next(name + 1))
            {
                if (_membersUsed == _members.Length)
                {
                    Array.Resize(ref _members, _membersUsed * 2);
                }

                _members[_membersUsed++] = name;
            }

            var members = _members.AsSpan(start, _membersUsed - start);
            members.Sort(new NameOrder(this));
            _writer.WriteStartObject();
            for (var i = 0; i < members.Length; i++)
            {
                var name = _members[start + i];
                if (i > 0 && _duplicate is null && Text(_members[start + i - 1]).SequenceEqual(Text(name)))
                {
                    _duplicate = System.Text.Encoding.UTF8.GetString(Text(name));
                }

                _writer.WritePropertyName(Text(name));
                Write(name + 1);
            }

            _writer.WriteEndObject();
            _membersUsed = start;
        }

        private readonly struct NameOrder(Scratch scratch) : IComparer<int>
        {
            public int Compare(int x, int y) => CompareOrdinalUtf16(scratch.Text(x), scratch.Text(y));
        }
    }
}
