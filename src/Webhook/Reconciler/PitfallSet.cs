using DeadlineGuard.Pitfalls;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// Pitfall ids (docs/pitfalls.md) as a tiny bit set for a snapshot: bit <c>i</c> is <see cref="PitfallCatalog.All"/>[i];
/// the top bit says the Rollout was looked at all (the default value: not looked at). Two bytes per snapshot, whatever
/// the number of findings.
/// </summary>
public readonly record struct PitfallSet(ushort Bits)
{
    private const ushort JudgedBit = 0x8000;

    static PitfallSet()
    {
        if (PitfallCatalog.All.Count > 15)
        {
            throw new InvalidOperationException("the pitfall catalog outgrew PitfallSet's 15 bits");
        }
    }

    /// <summary>Looked at, nothing found.</summary>
    public static PitfallSet None { get; } = new(JudgedBit);

    /// <summary>True when the detector ran on the Rollout.</summary>
    public bool Judged => (Bits & JudgedBit) != 0;

    public bool IsEmpty => (Bits & ~JudgedBit) == 0;

    /// <summary>The set of these catalog ids (unknown ids are ignored), judged.</summary>
    public static PitfallSet Of(IEnumerable<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bits = JudgedBit;
        foreach (var id in ids)
        {
            var index = Index(id);
            if (index >= 0)
            {
                bits |= (ushort)(1 << index);
            }
        }

        return new PitfallSet(bits);
    }

    public bool Contains(string id) => Index(id) is var i and >= 0 && (Bits & (1 << i)) != 0;

    /// <summary>This set without <paramref name="id"/>.</summary>
    public PitfallSet Without(string id) => Index(id) is var i and >= 0 ? new PitfallSet((ushort)(Bits & ~(1 << i))) : this;

    /// <summary>The catalog entries in the set, most severe first, then by id (as the detector orders its findings).</summary>
    public IReadOnlyList<PitfallDefinition> Definitions
    {
        get
        {
            var bits = Bits;
            return [.. PitfallCatalog.All.Where((_, i) => (bits & (1 << i)) != 0).OrderByDescending(d => d.Severity).ThenBy(d => d.Id, StringComparer.Ordinal)];
        }
    }

    /// <summary>The ids in the set, in the order of <see cref="Definitions"/>.</summary>
    public IReadOnlyList<string> Ids => [.. Definitions.Select(d => d.Id)];

    private static int Index(string id)
    {
        var all = PitfallCatalog.All;
        for (var i = 0; i < all.Count; i++)
        {
            if (string.Equals(all[i].Id, id, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
